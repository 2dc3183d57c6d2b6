// A real OpenID Connect provider (the npm package oidc-provider) for the single sign-on
// journey: one confidential client, PKCE required, its own login and consent pages.
// Usage: node oidc_provider.mjs PORT REDIRECT_URI
import Provider from 'oidc-provider';

const [port, redirectUri] = [Number(process.argv[2]), process.argv[3]];
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'tinhso',
    client_secret: 'tinhso-test-secret',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@sso.thanhhoa.example`, email_verified: true, name: 'Hoàng Thị Sương' };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['e2e-only-cookie-key'] },
});
provider.proxy = true;
provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
