// A Node presence client as a team would write it; only configuration points it at mockgraph:
// the authority (plus knownAuthorities, so that MSAL skips instance discovery), the Graph base
// URL (plus customHosts, so that the Graph client sends the token there), and the CA, which
// the test passes in NODE_EXTRA_CA_CERTS.
import { ConfidentialClientApplication } from "@azure/msal-node";
import { Client } from "@microsoft/microsoft-graph-client";

const [base, tenant, clientId, clientSecret, userId] = process.argv.slice(2);
const host = new URL(base).host;

const msal = new ConfidentialClientApplication({
  auth: { clientId, clientSecret, authority: `${base}/${tenant}`, knownAuthorities: [host] },
});
const result = await msal.acquireTokenByClientCredential({
  scopes: ["https://graph.microsoft.com/.default"],
});

const graph = Client.init({
  authProvider: (done) => done(null, result.accessToken),
  baseUrl: `${base}/`,
  defaultVersion: "v1.0",
  customHosts: new Set([host, new URL(base).hostname]),
});
await graph.api(`/users/${userId}/presence/setPresence`).post({
  sessionId: clientId, availability: "Busy", activity: "InACall", expirationDuration: "PT1H",
});
const presence = await graph.api(`/users/${userId}/presence`).get();
console.log(JSON.stringify({ availability: presence.availability, activity: presence.activity }));
