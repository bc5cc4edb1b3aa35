// Written by mockgraph: HTTPS_PROXY for Node's fetch() and https module.
"use strict";
const [major, minor] = process.versions.node.split(".").map(Number);
const native = major >= 25 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21);
const read = (name) => process.env[name] || process.env[name.toLowerCase()] || "";
const proxy = read("HTTPS_PROXY");
if (!native && proxy) {
  const net = require("net");
  const tls = require("tls");
  const https = require("https");
  const target = new URL(proxy);
  const skip = read("NO_PROXY").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bypass = (host) =>
    skip.some((n) => n === "*" || host === n || host.endsWith(n.startsWith(".") ? n : "." + n));
  const tunnel = (host, port, done) => {
    const raw = net.connect(Number(target.port) || 80, target.hostname);
    let head = Buffer.alloc(0);
    const fail = (error) => done(error);
    raw.once("error", fail);
    raw.once("connect", () => raw.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`));
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      raw.removeListener("data", onData);
      raw.removeListener("error", fail);
      const status = head.subarray(0, end).toString("latin1").split(" ")[1];
      if (status !== "200") {
        raw.destroy();
        return done(new Error(`proxy refused CONNECT ${host}:${port}: ${head.toString("latin1")}`));
      }
      done(null, raw);
    };
    raw.on("data", onData);
  };
  const secure = (host, port, servername, done) =>
    tunnel(host, port, (error, raw) => {
      if (error) return done(error);
      const socket = tls.connect({ socket: raw, servername: servername || host, ALPNProtocols: ["http/1.1"] });
      socket.once("secureConnect", () => done(null, socket));
      socket.once("error", done);
    });
  class TunnelAgent extends https.Agent {
    createConnection(options, done) {
      const host = options.host || options.hostname;
      if (bypass(host)) return super.createConnection(options, done);
      secure(host, options.port || 443, options.servername, done);
      return undefined;
    }
  }
  https.globalAgent = new TunnelAgent({ keepAlive: true });
  const key = Symbol.for("undici.globalDispatcher.1");
  fetch("data:,").catch(() => {}); // loads undici, which makes its global dispatcher
  const Agent = globalThis[key].constructor;
  globalThis[key] = new Agent({
    connect(options, done) {
      const host = options.hostname;
      const https = options.protocol === "https:";
      const port = Number(options.port) || (https ? 443 : 80);
      if (https && !bypass(host)) return secure(host, port, options.servername, done);
      const socket = https
        ? tls.connect({ host, port, servername: options.servername || host, ALPNProtocols: ["http/1.1"] })
        : net.connect(port, host);
      socket.once(https ? "secureConnect" : "connect", () => done(null, socket));
      socket.once("error", done);
    },
  });
}
