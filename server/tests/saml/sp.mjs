// A SAML 2.0 service provider built on samlify (pinned to 2.12.0 in package.json, the
// version OpenSlides 4's auth service uses) that behaves like OpenSlides' auth service:
// AuthnRequest by HTTP-Redirect, response by HTTP-POST to /system/saml/acs, schema
// validation stubbed out as OpenSlides does. Plenum's integration test
// (server/tests/integration/saml.rs) drives it; it is also handy by hand:
//
//   cd server/tests/saml && npm ci
//   PORT=9101 IDP_METADATA_URL=http://127.0.0.1:3000/saml/<instance>/metadata node sp.mjs
//
// Environment:
//   PORT                 listen port on 127.0.0.1 (default 9101; 0 = any free port)
//   IDP_METADATA_URL     URL of the IdP metadata, fetched for every request
//   IDP_METADATA_FILE    ... or a file with the IdP metadata (one of the two is required)
//   SP_ENTITY_ID         default http://127.0.0.1:<port>/system/saml/metadata
//   SP_ACS_URL           default http://127.0.0.1:<port>/system/saml/acs
//   WANT_ASSERTIONS_SIGNED  "true" (default, like OpenSlides' example metadata) or "false"
//   SP_SETTINGS_FILE     instead of the three above: a JSON file with OpenSlides' SAML
//                        organisation settings (saml_metadata_idp, saml_metadata_sp,
//                        saml_private_key, saml_attr_mapping), read for every request; the
//                        SP and IdP are then built exactly as OpenSlides' auth service
//                        builds them, and the ACS answer adds the attributes as mapped
//   STRICT=1             also reject (400) when InResponseTo / Destination / Audience do not
//                        match; samlify itself (and so OpenSlides) does not check these, the
//                        answer's "checks" says how they came out either way.
//   EXIT_WITH_STDIN=1    exit when stdin closes (the test keeps it open while it runs)
//
// Once listening it prints one line of JSON: {"ready":true,"port":<port>,"entityID":...,"acs":...}
//
// Endpoints:
//   GET  /login                302 to the IdP's SSO URL (HTTP-Redirect AuthnRequest)
//   POST /system/saml/acs      200 JSON {nameID, attributes, ...} or 400 text with samlify's error
//   GET  /metadata             the SP metadata (also /system/saml/metadata)
//   GET  /idp                  the IdP metadata as samlify reads it (JSON)
//   GET  /sp                   the SP as samlify reads it, and whether its private key
//                              belongs to its certificate (JSON; SP_SETTINGS_FILE only)
//   POST /system/saml/idplogout  a LogoutRequest from the IdP, handled as OpenSlides' auth
//                              service does: parse it, end the sessions of the NameID's
//                              user (here: remember the NameID), redirect to the IdP's
//                              single logout service with a LogoutResponse
//   GET  /logged-out           the NameIDs signed out so far, each with whether the
//                              request's signature verified (JSON)
//   GET  /                     200 "samlify SP harness"
import http from 'node:http';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const SAMLIFY = process.env.SAMLIFY || 'samlify';
const samlify = require(SAMLIFY);
const SAMLIFY_VERSION = require(`${SAMLIFY}/package.json`).version;

const WANT_ASSERTIONS_SIGNED = (process.env.WANT_ASSERTIONS_SIGNED || 'true') === 'true';
const STRICT = process.env.STRICT === '1';

// OpenSlides stubs schema validation: always pass.
samlify.setSchemaValidator({ validate: () => Promise.resolve('skipped') });

// Same shape as OpenSlides' auth/src/example_metadata_sp.xml.
function spMetadataXml(entityId, acsUrl) {
  return `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
  <SPSSODescriptor WantAssertionsSigned="${WANT_ASSERTIONS_SIGNED}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>
    <AssertionConsumerService isDefault="true" index="0" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acsUrl}"/>
  </SPSSODescriptor>
</EntityDescriptor>`;
}

// OpenSlides' settings, when SP_SETTINGS_FILE names them (read for every request).
function settings() {
  return process.env.SP_SETTINGS_FILE
    ? JSON.parse(fs.readFileSync(process.env.SP_SETTINGS_FILE, 'utf8'))
    : null;
}

// As openslides-auth-service's saml-service.ts builds its service provider.
function loadSp(extra = {}) {
  const s = settings();
  if (!s) return Object.keys(extra).length ? samlify.ServiceProvider({ metadata: sp.getMetadata(), allowCreate: false, ...extra }) : sp;
  return samlify.ServiceProvider({ metadata: s.saml_metadata_sp, privateKey: s.saml_private_key, allowCreate: false, ...extra });
}

async function loadIdp() {
  const s = settings();
  if (s) return samlify.IdentityProvider({ metadata: s.saml_metadata_idp });
  let xml;
  if (process.env.IDP_METADATA_URL) {
    const r = await fetch(process.env.IDP_METADATA_URL);
    if (!r.ok) throw new Error(`IdP metadata fetch ${process.env.IDP_METADATA_URL}: HTTP ${r.status}`);
    xml = await r.text();
  } else if (process.env.IDP_METADATA_FILE) {
    xml = fs.readFileSync(process.env.IDP_METADATA_FILE, 'utf8');
  } else {
    throw new Error('set IDP_METADATA_URL or IDP_METADATA_FILE');
  }
  return samlify.IdentityProvider({ metadata: xml });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, body, type = 'text/plain; charset=utf-8', extra = {}) {
  res.writeHead(status, { 'Content-Type': type, ...extra });
  res.end(body);
}

const issuedRequestIds = new Set();
const loggedOut = [];
let sp; // made once the port is known
let base, spEntityId, spAcsUrl;

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, base);
  try {
    if (req.method === 'GET' && (url.pathname === '/metadata' || url.pathname === '/system/saml/metadata')) {
      return send(res, 200, loadSp().getMetadata(), 'text/xml');
    }
    if (req.method === 'GET' && url.pathname === '/sp') {
      const s = settings();
      if (!s) return send(res, 404, 'no SP_SETTINGS_FILE\n');
      const meta = loadSp().entityMeta;
      const cert = new crypto.X509Certificate(
        `-----BEGIN CERTIFICATE-----\n${meta.getX509Certificate('signing')}\n-----END CERTIFICATE-----\n`);
      const fromKey = crypto.createPublicKey(crypto.createPrivateKey(s.saml_private_key));
      return send(res, 200, JSON.stringify({
        entityID: meta.getEntityID(),
        acs: meta.getAssertionConsumerService('post'),
        authnRequestsSigned: meta.isAuthnRequestSigned(),
        wantAssertionsSigned: meta.isWantAssertionsSigned(),
        keyMatchesCertificate: cert.publicKey.equals(fromKey),
      }), 'application/json');
    }
    if (req.method === 'GET' && url.pathname === '/idp') {
      const meta = (await loadIdp()).entityMeta;
      return send(res, 200, JSON.stringify({
        entityID: meta.getEntityID(),
        signingCert: meta.getX509Certificate('signing'),
        wantAuthnRequestsSigned: meta.isWantAuthnRequestsSigned(),
        nameIDFormat: meta.getNameIDFormat(),
        ssoRedirect: meta.getSingleSignOnService('redirect'),
        ssoPost: meta.getSingleSignOnService('post'),
      }), 'application/json');
    }
    if (req.method === 'GET' && url.pathname === '/login') {
      const idp = await loadIdp();
      const { id, context } = loadSp().createLoginRequest(idp, 'redirect');
      issuedRequestIds.add(id);
      return send(res, 302, `Redirect to ${context}\n`, 'text/plain', { Location: context, 'X-AuthnRequest-ID': id });
    }
    if (req.method === 'POST' && url.pathname === '/system/saml/acs') {
      const body = Object.fromEntries(new URLSearchParams(await readBody(req)));
      if (!body.SAMLResponse) return send(res, 400, 'missing SAMLResponse form field\n');
      const idp = await loadIdp();
      let result;
      try {
        result = await loadSp().parseLoginResponse(idp, 'post', { body });
      } catch (e) {
        const msg = e && e.message ? e.message : String(e);
        console.error(`[sp] REJECTED: ${msg}`);
        return send(res, 400, `samlify rejected the response: ${msg}\n`);
      }
      const ex = result.extract;
      const spMeta = loadSp().entityMeta;
      const checks = {
        inResponseToKnown: issuedRequestIds.has(ex.response?.inResponseTo),
        destinationMatches: ex.response?.destination === spMeta.getAssertionConsumerService('post'),
        audienceMatches: ex.audience === spMeta.getEntityID(),
      };
      if (STRICT && Object.values(checks).includes(false)) {
        return send(res, 400, `strict checks failed: ${JSON.stringify(checks)}\n`);
      }
      if (checks.inResponseToKnown) issuedRequestIds.delete(ex.response.inResponseTo);
      const out = {
        nameID: ex.nameID,
        attributes: ex.attributes,
        issuer: ex.issuer,
        audience: ex.audience,
        conditions: ex.conditions,
        response: ex.response,
        sessionIndex: ex.sessionIndex,
        relayState: body.RelayState ?? null,
        checks,
      };
      const s = settings();
      if (s) {
        // As the auth service passes them to user.save_saml_account: OpenSlides field ->
        // the value of the attribute the mapping names.
        out.mapped = Object.fromEntries(
          Object.entries(s.saml_attr_mapping).map(([field, attr]) => [field, ex.attributes?.[attr] ?? null]));
      }
      return send(res, 200, JSON.stringify(out, null, 2) + '\n', 'application/json');
    }
    if (req.method === 'POST' && url.pathname === '/system/saml/idplogout') {
      const body = Object.fromEntries(new URLSearchParams(await readBody(req)));
      const idp = await loadIdp();
      const sp = loadSp();
      let parsed;
      try {
        // The auth service's own call, roles as it has them.
        parsed = await idp.parseLogoutRequest(sp, 'post', { body });
      } catch (e) {
        const msg = e && e.message ? e.message : String(e);
        console.error(`[sp] LOGOUT REJECTED: ${msg}`);
        return send(res, 400, `samlify rejected the logout request: ${msg}\n`);
      }
      // Beyond the auth service (which checks no signature here): does the signature verify
      // against the IdP's metadata certificate?
      let signatureVerified = false;
      try {
        await loadSp({ wantLogoutRequestSigned: true }).parseLogoutRequest(idp, 'post', { body });
        signatureVerified = true;
      } catch (e) {
        console.error(`[sp] logout request signature: ${e && e.message ? e.message : e}`);
      }
      loggedOut.push({ nameID: parsed.extract.nameID, signatureVerified });
      const response = sp.createLogoutResponse(idp, { body }, 'redirect');
      return send(res, 302, `Redirect to ${response.context}\n`, 'text/plain', { Location: response.context });
    }
    if (req.method === 'GET' && url.pathname === '/logged-out') {
      return send(res, 200, JSON.stringify(loggedOut), 'application/json');
    }
    if (req.method === 'GET' && url.pathname === '/') return send(res, 200, 'samlify SP harness\n');
    return send(res, 404, 'not found\n');
  } catch (e) {
    console.error(e);
    return send(res, 500, `error: ${e && e.message ? e.message : e}\n`);
  }
});

server.listen(Number(process.env.PORT ?? 9101), '127.0.0.1', () => {
  const { port } = server.address();
  base = `http://127.0.0.1:${port}`;
  spEntityId = process.env.SP_ENTITY_ID || `${base}/system/saml/metadata`;
  spAcsUrl = process.env.SP_ACS_URL || `${base}/system/saml/acs`;
  sp = samlify.ServiceProvider({ metadata: spMetadataXml(spEntityId, spAcsUrl), allowCreate: false });
  console.log(JSON.stringify({ ready: true, port, samlify: SAMLIFY_VERSION, entityID: spEntityId, acs: spAcsUrl }));
});

// With EXIT_WITH_STDIN=1: exit when stdin closes, i.e. with the test that started it, should
// that be killed without a chance to clean up.
if (process.env.EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
