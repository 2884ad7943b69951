// A real OpenID provider for Plenum's upstream-login tests: the npm package oidc-provider
// (panva, certified), with its development login forms. Configured from the environment:
// PORT, ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI. Accounts: "alice" has a verified
// address, any other login name gets an unverified one.
import Provider from 'oidc-provider';

const { PORT, ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI } = process.env;

const configuration = {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  async findAccount(ctx, id) {
    const verified = id === 'alice';
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@example.test`,
          email_verified: verified,
          given_name: id === 'alice' ? 'Alice' : id,
          family_name: 'Upstream',
        };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ['plenum-test-cookie-key'] },
};

const provider = new Provider(ISSUER, configuration);
provider.listen(Number(PORT), '127.0.0.1', () => console.log(`ready ${ISSUER}`));
