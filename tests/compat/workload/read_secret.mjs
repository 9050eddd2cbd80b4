// An application as a team writes it for AKS Workload Identity: the credential comes from the
// environment alone (DefaultAzureCredential -> WorkloadIdentityCredential, which reads
// AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_AUTHORITY_HOST and AZURE_FEDERATED_TOKEN_FILE), and
// TLS trust from NODE_EXTRA_CA_CERTS. The one option it passes is the one MSAL requires of any
// authority that is not Microsoft's own (it would otherwise ask login.microsoftonline.com to
// vouch for the authority host): docs/workload-identity.md.
//
// usage: node read_secret.mjs VAULT_URL SECRET_NAME   (prints the value)

import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";

const [vaultUrl, name] = process.argv.slice(2);
const client = new SecretClient(vaultUrl, new DefaultAzureCredential({ disableInstanceDiscovery: true }));
const secret = await client.getSecret(name);
process.stdout.write(secret.value);
