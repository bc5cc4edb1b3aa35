// A Node busy light signing in with the device code flow, as its README would tell a user to:
// msal-node's PublicClientApplication.acquireTokenByDeviceCode, then Graph's /me/presence.
// Only configuration points it at mockgraph (the authority, knownAuthorities, the CA in
// NODE_EXTRA_CA_CERTS). Nobody types the code: mockgraph runs with MOCKGRAPH_DEVICE_CODE_USER.
import { PublicClientApplication } from "@azure/msal-node";

const [base, tenant, clientId] = process.argv.slice(2);
const host = new URL(base).host;

const pca = new PublicClientApplication({
  auth: { clientId, authority: `${base}/${tenant}`, knownAuthorities: [host] },
});
let shown = "";
const result = await pca.acquireTokenByDeviceCode({
  scopes: ["Presence.Read"],
  deviceCodeCallback: (response) => {
    shown = response.message;
    console.error(response.message);
  },
});
const presence = await fetch(`${base}/v1.0/me/presence`, {
  headers: { Authorization: `Bearer ${result.accessToken}` },
}).then((r) => r.json());
console.log(JSON.stringify({ message: shown, username: result.account.username, id: presence.id }));
