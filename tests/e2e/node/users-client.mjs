// A Node presence wall as a team would write it: list every user, page by page, with the
// Graph client's PageIterator. Only configuration points it at mockgraph: the Graph base URL
// (plus customHosts, so that the client sends the token there). The token comes in argv.
import { Client, PageIterator } from "@microsoft/microsoft-graph-client";

const [base, token, top] = process.argv.slice(2);
const host = new URL(base).host;

const graph = Client.init({
  authProvider: (done) => done(null, token),
  baseUrl: `${base}/`,
  defaultVersion: "v1.0",
  customHosts: new Set([host, new URL(base).hostname]),
});
const first = await graph.api("/users").select(["id", "displayName", "mail"]).top(Number(top)).get();
const users = [];
let pages = 0;
const iterator = new PageIterator(graph, first, (user) => {
  users.push(user.id);
  return true;
});
await iterator.iterate();
pages = 1 + Math.floor((users.length - 1) / Number(top));
console.log(JSON.stringify({ users, pages, firstNextLink: first["@odata.nextLink"] ?? null }));
