// Offline verification of a publicKey-hint Sigstore bundle with @sigstore/verify 3.x (Node 20),
// independently of any palisade code. The trusted key is registered under the sha256 hex of
// the PEM file's text, so the bundle's hint must follow that convention to be found.
// Usage: node verify-sigstore-key-bundle.js BUNDLE PUB.pem [ARTIFACT]
// (ARTIFACT: the signed file, for a message-signature bundle).
// Exit: 0 verified ("OK …"), 1 rejected ("REJECTED …"), 2 unusable input.
const fs = require('fs');
const crypto = require('crypto');
const { bundleFromJSON } = require('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

const [bundlePath, pubPath, artifactPath] = process.argv.slice(2);
let bundle, tm, artifact;
try {
  bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
  artifact = artifactPath ? fs.readFileSync(artifactPath) : undefined;
  const pem = fs.readFileSync(pubPath);
  const der = crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' });
  const hint = crypto.createHash('sha256').update(pem).digest('hex');
  const root = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [],
  };
  tm = toTrustMaterial(root, { [hint]: { rawBytes: der, keyDetails: 5 /* PKIX_ECDSA_P256_SHA_256 */ } });
} catch (e) {
  console.log('UNUSABLE', e.message);
  process.exit(2);
}
try {
  const v = new Verifier(tm, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0, tsaThreshold: 0 });
  v.verify(toSignedEntity(bundle, artifact));
} catch (e) {
  console.log('REJECTED', e.message);
  process.exit(1);
}
if (bundle.content.$case === 'messageSignature') {
  console.log('OK', bundle.content.$case);
} else {
  const payload = Buffer.from(bundle.content.dsseEnvelope.payload).toString();
  console.log('OK', bundle.content.$case, JSON.parse(payload).predicateType);
}
