// Loaded with `node --import`: answers every name lookup with 127.0.0.1, standing in for the
// cluster DNS that resolves a pod's vault and authority hostnames. It changes no application
// code and no environment variable.

import dns from "node:dns";

dns.lookup = (hostname, options, callback) => {
  if (typeof options === "function") callback = options;
  const all = typeof options === "object" && options !== null && options.all;
  if (all) return process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
  return process.nextTick(callback, null, "127.0.0.1", 4);
};
