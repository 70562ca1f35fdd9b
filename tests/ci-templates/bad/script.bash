#!/usr/bin/env bash
for pipeline in $(ls *.pal); do
  palisade check $pipeline
done
