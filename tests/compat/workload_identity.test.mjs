// WorkloadIdentityCredential from @azure/identity, unmodified, as a pod uses it under AKS
// Workload Identity: AZURE_FEDERATED_TOKEN_FILE holds the pod's service-account token (minted by
// the Kubernetes API stand-in), AZURE_CLIENT_ID the managed identity of that ServiceAccount.

import assert from "node:assert/strict";
import { test } from "node:test";

import { WorkloadIdentityCredential } from "@azure/identity";

import { agent, env, randomValue, secretClient, uniqueName } from "./helpers.mjs";

function workloadCredential(clientId, tokenFilePath) {
  return new WorkloadIdentityCredential({
    tenantId: env.tenantId,
    clientId,
    tokenFilePath,
    authorityHost: env.authorityHost,
    disableInstanceDiscovery: true,
    agent,
  });
}

test("a pod's own token reads the secrets its ServiceAccount may get", async () => {
  const name = uniqueName("wi");
  const value = randomValue();
  await secretClient().setSecret(name, value);
  const client = secretClient(
    workloadCredential(process.env.COFFER_WI_CLIENT_ID, process.env.COFFER_WI_TOKEN_FILE));
  const secret = await client.getSecret(name);
  assert.equal(secret.value, value);
});

test("a ServiceAccount without a policy is refused", async () => {
  const name = uniqueName("wi-denied");
  await secretClient().setSecret(name, randomValue());
  const client = secretClient(workloadCredential(process.env.COFFER_WI_NOBODY_CLIENT_ID,
                                                 process.env.COFFER_WI_NOBODY_TOKEN_FILE));
  await assert.rejects(client.getSecret(name), (error) => {
    assert.equal(error.statusCode, 403);
    return true;
  });
});

test("another ServiceAccount's token does not log in as this identity", async () => {
  const credential = workloadCredential(process.env.COFFER_WI_CLIENT_ID,
                                        process.env.COFFER_WI_NOBODY_TOKEN_FILE);
  await assert.rejects(credential.getToken("https://vault.coffer.test/.default"),
                       /AADSTS70021: No matching federated identity record found for presented assertion\. Assertion Issuer/);
});
