// A real OpenID Connect provider (panva's oidc-provider) for Legami's sign-in tests.
//
//   node server.js '<json>'   json: {"clients": [...], "authMethods": [...],
//                                     "userinfoOnly": true?}
//   userinfoOnly: the ID token carries sub, nonce, aud, exp, iat, iss only; e-mail, name
//   and groups are given at the userinfo endpoint (/me), as OpenID Connect allows.
//
// It listens on a free port of 127.0.0.1, prints one JSON line {"issuer", "port"} and
// serves the provider until killed. The issuer is http://127.0.0.1:<port>.
//
// Test-only controls, under /_test/ (never part of a real provider):
//   POST /_test/accounts  {"<sub>": {claims}}  set the claims of accounts (merged)
//   POST /_test/rotate-keys  {"same_kid"?}     sign with a new key (the old one stays published;
//                                              with same_kid, the new key replaces it, same kid)
//   POST /_test/client    {"client_id", "client_secret"}  change a client's secret
//   POST /_test/tamper    {"claims"?, "alg"?: "none", "foreign_key"?, "kid"?, "drop_id_token"?}
//                          misbehave on the next token response only: rewrite the ID token,
//                          re-signed with the provider's key (or, with foreign_key, a key it
//                          never published; with alg "none", not signed at all)
//   POST /_test/tamper-userinfo {"sub"?: ...}  rewrite the next userinfo answer's claims
//   POST /_test/reset                          back to the clients and accounts of start-up
//   GET  /_test/stats                          {"jwks_fetches": n}
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2] || '{}');
const state = {
  keys: [newKey()],
  foreignKey: newKey(), // never published: what a forger would sign with
  clients: structuredClone(options.clients || []),
  accounts: new Map(),
  tamper: null,
  tamperUserinfo: null,
  jwksFetches: 0,
};
let issuer;
let handler;

function newKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };
}

function build() {
  const provider = new Provider(issuer, {
    clients: state.clients,
    jwks: { keys: state.keys },
    findAccount: (ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, ...(state.accounts.get(id) || {}) }),
    }),
    claims: {
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // false: claims in the ID token, as Entra ID and Google do; true: at userinfo only.
    conformIdTokenClaims: options.userinfoOnly === true,
    pkce: { required: () => true },
    clientAuthMethods: options.authMethods || ['client_secret_basic', 'client_secret_post'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'HS256'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    cookies: { keys: ['legami-test-provider-cookies'] },
    ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60, Interaction: 600 },
  });
  provider.use(countJwksFetches);
  provider.use(misbehave);
  handler = provider.callback();
}

async function countJwksFetches(ctx, next) {
  if (ctx.path === '/jwks') state.jwksFetches += 1;
  await next();
}

async function misbehave(ctx, next) {
  await next();
  if (ctx.path === '/me' && ctx.status === 200 && state.tamperUserinfo) {
    const body = typeof ctx.body === 'string' ? JSON.parse(ctx.body) : { ...ctx.body };
    ctx.body = { ...body, ...state.tamperUserinfo };
    state.tamperUserinfo = null;
    return;
  }
  if (ctx.path !== '/token' || ctx.status !== 200 || !state.tamper) return;
  const tamper = state.tamper;
  state.tamper = null;
  const body = typeof ctx.body === 'string' ? JSON.parse(ctx.body) : { ...ctx.body };
  if (tamper.drop_id_token) {
    delete body.id_token;
  } else {
    body.id_token = rewrite(body.id_token, tamper);
  }
  ctx.body = body;
}

function rewrite(token, tamper) {
  const [, payload] = token.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url')), ...(tamper.claims || {}) };
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  if (tamper.alg === 'none') return `${encode({ alg: 'none' })}.${encode(claims)}.`;
  const key = tamper.foreign_key ? state.foreignKey : state.keys[0];
  const kid = tamper.kid || state.keys[0].kid;
  const signed = `${encode({ alg: 'RS256', kid })}.${encode(claims)}`;
  const signature = crypto.sign('sha256', Buffer.from(signed),
    crypto.createPrivateKey({ key, format: 'jwk' }));
  return `${signed}.${signature.toString('base64url')}`;
}

const controls = {
  'POST /_test/accounts': (body) => {
    for (const [sub, claims] of Object.entries(body)) {
      state.accounts.set(sub, { ...(state.accounts.get(sub) || {}), ...claims });
    }
  },
  'POST /_test/rotate-keys': (body) => {
    state.keys = body.same_kid ? [{ ...newKey(), kid: state.keys[0].kid }, ...state.keys.slice(1)]
      : [newKey(), ...state.keys];
    build();
  },
  'POST /_test/client': (body) => {
    const client = state.clients.find((c) => c.client_id === body.client_id);
    client.client_secret = body.client_secret;
    build();
  },
  'POST /_test/tamper': (body) => {
    state.tamper = body;
  },
  'POST /_test/tamper-userinfo': (body) => {
    state.tamperUserinfo = body;
  },
  'POST /_test/reset': () => {
    state.clients = structuredClone(options.clients || []);
    state.accounts = new Map();
    state.tamper = null;
    state.tamperUserinfo = null;
    build();
  },
  'GET /_test/stats': () => ({ jwks_fetches: state.jwksFetches }),
};

async function readJson(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : {};
}

async function control(req, res, action) {
  try {
    const result = await action(await readJson(req));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(result || { ok: true }));
  } catch (error) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: String(error) }));
  }
}

const server = http.createServer((req, res) => {
  const action = controls[`${req.method} ${req.url.split('?')[0]}`];
  if (action) return control(req, res, action);
  return handler(req, res);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  issuer = `http://127.0.0.1:${port}`;
  build();
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
