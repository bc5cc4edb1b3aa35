// A Node presence client at its libraries' defaults: MSAL's authority on Entra's own host and
// the Graph client's default base URL (https://graph.microsoft.com). Nothing here names
// mockgraph; the environment does (HTTPS_PROXY, NODE_EXTRA_CA_CERTS, and on Node 20 the
// preload in NODE_OPTIONS that `mockgraph env` prints).
import { ConfidentialClientApplication } from "@azure/msal-node";
import { Client } from "@microsoft/microsoft-graph-client";

const [tenant, clientId, clientSecret, userId] = process.argv.slice(2);

const msal = new ConfidentialClientApplication({
  auth: { clientId, clientSecret, authority: `https://login.microsoftonline.com/${tenant}` },
});
const result = await msal.acquireTokenByClientCredential({
  scopes: ["https://graph.microsoft.com/.default"],
});

const graph = Client.init({ authProvider: (done) => done(null, result.accessToken) });
await graph.api(`/users/${userId}/presence/setPresence`).post({
  sessionId: clientId, availability: "Busy", activity: "InACall", expirationDuration: "PT1H",
});
const presence = await graph.api(`/users/${userId}/presence`).get();
console.log(JSON.stringify({ availability: presence.availability, activity: presence.activity }));
