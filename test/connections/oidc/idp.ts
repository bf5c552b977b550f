import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { SignJWT, importJWK } from 'jose';
import type { JWK } from 'jose';

export interface Person {
  readonly sub: string;
  readonly email: string;
  readonly given_name?: string;
  readonly family_name?: string;
  readonly name?: string;
  readonly [claim: string]: unknown;
}

/** An RSA-2048 signing key as a private JWK with a fresh `kid`. */
export function rsaJwk(): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomBytes(6).toString('hex'),
    alg: 'RS256',
    use: 'sig',
  };
}

const publicJwk = ({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }: JWK): JWK => pub;

/** The IdP's storage: one Map for the test (keeps oidc-provider's development adapter warning away). */
const records = new Map<string, Record<string, unknown>>();
class MemoryAdapter {
  readonly model: string;
  constructor(model: string) {
    this.model = model;
  }
  key = (id: string) => `${this.model}:${id}`;
  upsert(id: string, payload: Record<string, unknown>) {
    records.set(this.key(id), payload);
    if (typeof payload.uid === 'string') records.set(`${this.model}:uid:${payload.uid}`, payload);
    return Promise.resolve();
  }
  find(id: string) {
    return Promise.resolve(records.get(this.key(id)));
  }
  findByUid(uid: string) {
    return Promise.resolve(records.get(`${this.model}:uid:${uid}`));
  }
  findByUserCode() {
    return Promise.resolve(undefined);
  }
  consume(id: string) {
    const found = records.get(this.key(id));
    if (found) found.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }
  destroy(id: string) {
    records.delete(this.key(id));
    return Promise.resolve();
  }
  revokeByGrantId() {
    return Promise.resolve();
  }
}

const TTL = {
  Interaction: 600,
  Session: 3600,
  Grant: 3600,
  AccessToken: 300,
  IdToken: 300,
  AuthorizationCode: 60,
};

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

export interface CompanyIdp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The kid signing ID tokens now. */
  kid(): string;
  /** A new Provider instance with a new signing key on the same issuer (how oidc-provider rotates). */
  rotate(): void;
  close(): Promise<void>;
}

/**
 * The company's IdP: a real oidc-provider on 127.0.0.1. Its login step signs in the person named
 * by `login_hint` (or the first person) without a form; consent is implied.
 */
export async function startCompanyIdp(options: {
  readonly redirectUris: string[];
  readonly people: readonly Person[];
}): Promise<CompanyIdp> {
  const clientId = 'trustgate';
  const clientSecret = randomBytes(24).toString('base64url');
  const bySub = new Map(options.people.map((p) => [p.sub, p]));
  let key = rsaJwk();
  let provider: Provider | undefined;
  const server = await listen((req, res) => {
    if (!provider) return void res.writeHead(503).end();
    if (req.url?.startsWith('/interaction/')) void interaction(provider, req, res);
    else void provider.callback()(req, res);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function interaction(op: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const details = await op.interactionDetails(req, res);
      const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : '';
      const person = options.people.find((p) => p.email === hint) ?? options.people[0];
      await op.interactionFinished(req, res, { login: { accountId: person?.sub ?? 'nobody' } });
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  }

  const build = () =>
    new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: options.redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: [key] },
      adapter: MemoryAdapter,
      ttl: TTL,
      cookies: { keys: ['company-idp-cookie-key'] },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, i) => `/interaction/${i.uid}` },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'given_name', 'family_name'],
      },
      conformIdTokenClaims: false,
      findAccount: (_ctx: KoaContextWithOIDC, sub: string) => {
        const person = bySub.get(sub);
        return person ? { accountId: sub, claims: () => ({ email_verified: true, ...person }) } : undefined;
      },
      async loadExistingGrant(ctx: KoaContextWithOIDC) {
        const grant = new ctx.oidc.provider.Grant({
          clientId: ctx.oidc.client?.clientId ?? clientId,
          accountId: ctx.oidc.session?.accountId ?? '',
        });
        grant.addOIDCScope('openid email profile');
        await grant.save();
        return grant;
      },
    });
  provider = build();

  return {
    issuer,
    clientId,
    clientSecret,
    kid: () => String(key.kid),
    rotate() {
      key = rsaJwk();
      provider = build();
    },
    close: () => stop(server),
  };
}

export type Forgery = (claims: Record<string, unknown>, header: Record<string, unknown>) => void;

export interface ForgingIdp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** How the next ID tokens are made; `none: true` sends an unsigned token (`alg: none`). */
  forge(f: Forgery | undefined, options?: { none?: boolean; foreignKey?: boolean }): void;
  /** The issuer its discovery document names (default: its own). */
  claimIssuer(issuer: string | undefined): void;
  close(): Promise<void>;
}

/**
 * A small OpenID Provider over real HTTP on 127.0.0.1 whose token endpoint returns ID tokens as
 * the test shapes them (other issuer, audience, expired, unsigned, unknown key).
 */
export async function startForgingIdp(person: Person): Promise<ForgingIdp> {
  const clientId = 'trustgate-forge';
  const clientSecret = randomBytes(24).toString('base64url');
  const key = rsaJwk();
  const foreign = rsaJwk();
  const codes = new Map<string, { nonce: string }>();
  let forgery: Forgery | undefined;
  let mode: { none?: boolean; foreignKey?: boolean } = {};
  let issuer = '';
  let claimedIssuer: string | undefined;

  async function idToken(nonce: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      ...person,
      iss: issuer,
      aud: clientId,
      nonce,
      iat: now,
      exp: now + 300,
    };
    const header: Record<string, unknown> = { alg: 'RS256', kid: mode.foreignKey ? foreign.kid : key.kid };
    forgery?.(claims, header);
    if (mode.none) {
      const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
    }
    const signer = mode.foreignKey ? foreign : key;
    return new SignJWT(claims)
      .setProtectedHeader({ ...header, alg: 'RS256' })
      .sign(await importJWK(signer, 'RS256'));
  }

  const json = (res: ServerResponse, status: number, body: unknown): void =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server = await listen((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname === '/.well-known/openid-configuration')
      return json(res, 200, {
        issuer: claimedIssuer ?? issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    if (url.pathname === '/jwks') return json(res, 200, { keys: [publicJwk(key)] });
    if (url.pathname === '/authorize') {
      const code = randomBytes(16).toString('base64url');
      codes.set(code, { nonce: url.searchParams.get('nonce') ?? '' });
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return void res.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const code = new URLSearchParams(body).get('code') ?? '';
        const issued = codes.get(code);
        codes.delete(code);
        if (!issued) return json(res, 400, { error: 'invalid_grant' });
        idToken(issued.nonce).then(
          (token) =>
            json(res, 200, { access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: token }),
          (err: unknown) => json(res, 500, { error: String(err) }),
        );
      });
      return;
    }
    res.writeHead(404).end();
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    get issuer() {
      return issuer;
    },
    clientId,
    clientSecret,
    claimIssuer(claimed) {
      claimedIssuer = claimed;
    },
    forge(f, options = {}) {
      forgery = f;
      mode = options;
    },
    close: () => stop(server),
  };
}
