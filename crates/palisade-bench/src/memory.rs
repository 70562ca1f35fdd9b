//! Peak memory and CPU time of this process, from `/proc` (Linux; `None` elsewhere).

/// The process's peak resident set size (`VmHWM`) in KiB; `None` where `/proc` does not
/// exist (not Linux) or does not say.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

/// CPU time used so far by every thread of this process, in nanoseconds (the first field of
/// each `/proc/self/task/*/schedstat`). On a loaded machine wall time includes waiting for a
/// core; this does not. Threads that have exited are not counted, so measure while the rayon
/// pool (which lives as long as the process) is alive.
pub fn cpu_time_ns() -> Option<u64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path().join("schedstat");
        let text = std::fs::read_to_string(path).ok()?;
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|n| n.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_status_line() {
        assert_eq!(
            parse_vm_hwm("Name:\tx\nVmPeak:\t  9 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 1 kB\n"),
            Some(12345)
        );
        assert_eq!(parse_vm_hwm("VmHWM:\tlots\n"), None);
        assert_eq!(parse_vm_hwm(""), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        assert!(peak_rss_kib().is_some_and(|kib| kib > 100));
        let before = cpu_time_ns().unwrap();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        assert!(cpu_time_ns().unwrap() > before, "{x}");
    }
}
