// Verifies a certdesk certificate credential with Digital Bazaar's open-source libraries
// (@digitalbazaar/vc, data-integrity, eddsa-rdfc-2022-cryptosuite, vc-bitstring-status-list).
//
//   npm install
//   node verify.mjs CREDENTIAL [--did DID_DOCUMENT] [--status-list LIST ...] [--contexts DIR]
//
// CREDENTIAL, DID_DOCUMENT and LIST are files or https:// URLs. Without --did the issuer's
// did:web document is fetched from https://<host>/.well-known/did.json; without --status-list
// each list the credential names is fetched from its URL. JSON-LD contexts are never fetched:
// they are read from DIR (default: certdesk's certificates/contexts), so nobody can swap them.
// --now checks as of another moment. Exit status: 0 valid and current, 1 invalid, 2 revoked or
// suspended, 3 expired.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const here = dirname(fileURLToPath(import.meta.url));
const {values: options, positionals} = parseArgs({
  allowPositionals: true,
  options: {
    did: {type: 'string'},
    'status-list': {type: 'string', multiple: true, default: []},
    contexts: {type: 'string', default: join(here, '..', '..', 'certificates', 'contexts')},
    now: {type: 'string'},  // check as of another moment (ISO 8601), e.g. the day of hiring
  },
});
if(positionals.length !== 1) {
  console.error('usage: node verify.mjs CREDENTIAL [--did FILE|URL] [--status-list FILE|URL ...] [--contexts DIR]');
  process.exit(1);
}

async function load(source) {
  try {
    if(source.startsWith('https://')) {
      const response = await fetch(source, {headers: {accept: 'application/json'}});
      if(!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      return await response.json();
    }
    return JSON.parse(readFileSync(source, 'utf8'));
  } catch(error) {
    console.log(`INVALID: cannot load ${source}: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
}

// did:web:host[:path...] -> https://host/.well-known/did.json or https://host/path/did.json
function didWebUrl(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  return `https://${host}/${path.length ? path.join('/') : '.well-known'}/did.json`;
}

const CONTEXTS = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'openbadges-v3p0-context-3.0.3.json',
  'https://www.w3.org/ns/did/v1': 'did-v1.jsonld',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.jsonld',
  'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.jsonld',
};
const documents = new Map(Object.entries(CONTEXTS).map(
  ([url, file]) => [url, JSON.parse(readFileSync(join(options.contexts, file), 'utf8'))]));

const credential = await load(positionals[0]);
const issuer = typeof credential.issuer === 'object' ? credential.issuer.id : credential.issuer;
if(!issuer?.startsWith('did:web:')) {
  console.log(`INVALID: the issuer ${issuer} is not a did:web identifier.`);
  process.exit(1);
}
const didDocument = await load(options.did ?? didWebUrl(issuer));
if(didDocument.id !== issuer) {
  console.log(`INVALID: the DID document is for ${didDocument.id}, not the issuer ${issuer}.`);
  process.exit(1);
}
documents.set(didDocument.id, didDocument);
for(const method of didDocument.verificationMethod ?? []) {
  documents.set(method.id, {'@context': didDocument['@context'], ...method});
}
const lists = options['status-list'].length ? options['status-list'] :
  [credential.credentialStatus ?? []].flat().map(entry => entry.statusListCredential);
for(const source of lists) {
  const list = await load(source);
  documents.set(list.id, list);
}

const documentLoader = async url => {
  const document = documents.get(url);
  if(!document) {
    throw new Error(`Refusing to load ${url}: not a pinned context, the issuer's DID document or a status list.`);
  }
  return {contextUrl: null, documentUrl: url, document};
};

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus, now: options.now});
const subject = credential.credentialSubject ?? {};
console.log(`Certificate ${subject.licenseNumber} — ${subject.name} — ${credential.name}`);
if(!result.verified) {
  const errors = [result.error, ...(result.error?.errors ?? [])].filter(Boolean).map(error => error.message);
  const expired = errors.some(message => message.includes('validUntil'));
  console.log(`${expired ? 'EXPIRED' : 'INVALID'}: ${[...new Set(errors)].join(' ')}`);
  process.exit(expired ? 3 : 1);
}
// verified means the proof and the status lists were checked; a set bit is the answer.
const set = result.statusResult.results.filter(({status}) => status).map(
  ({credentialStatus}) => credentialStatus.statusPurpose);
if(set.length) {
  console.log(`${set.includes('revocation') ? 'REVOKED' : 'SUSPENDED'}: the issuer's ${set.join(' and ')} list marks it.`);
  process.exit(2);
}
console.log(`VALID: signed by ${credential.proof.verificationMethod}, not revoked or suspended.`);
