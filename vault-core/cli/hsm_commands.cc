// coffer hsm transport-key|export|import|show: the key ceremony that gives a joining replica's
// HSM the installation's master and signing keys (vault-core/keystore/pkcs11/key_ceremony.h,
// docs/operations.md). These run on the replica's own machine, against the HSM that its
// coffer-vault configuration names; no server is involved.
#include <string>
#include <vector>

#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "vault-core/cli/command.h"
#include "vault-core/cli/hsm_bundle.h"
#include "vault-core/keystore/pin.h"
#include "vault-core/keystore/pkcs11/key_ceremony.h"
#include "vault-core/server/config.h"

namespace coffer::cli {
namespace {

using nlohmann::json;

absl::StatusOr<std::string> RequiredFlag(Context& ctx, const char* flag, const char* what) {
  auto value = ctx.args().Value(flag);
  if (!value || value->empty()) return UsageError(std::string("give ") + flag + " " + what);
  return *value;
}

// The HSM of the replica whose coffer-vault reads `--config`, with the same environment
// overrides (COFFER__HSM__...) and the same PIN.
absl::StatusOr<keystore::Pkcs11Options> HsmOptions(Context& ctx) {
  // The HSM's routine logs (module loaded, ...) would only clutter a command's answer.
  InitLogging(LogFormat::kText, "warn");
  COFFER_ASSIGN_OR_RETURN(std::string path,
                          RequiredFlag(ctx, "--config", "FILE, the replica's coffer-vault config"));
  std::vector<std::string> entries;
  for (const auto& [name, value] : ctx.env()) entries.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (std::string& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  COFFER_ASSIGN_OR_RETURN(server::VaultConfig config,
                          server::LoadVaultConfig(path, {}, envp.data()));
  keystore::Pkcs11Options options;
  options.module_path = config.hsm.module;
  options.token_label = config.hsm.token_label;
  COFFER_ASSIGN_OR_RETURN(options.pin, keystore::ReadPin(config.hsm.pin_file, config.hsm.pin_env));
  return options;
}

json KeysJson(const keystore::TokenKeys& keys) {
  auto or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  const bool has_master = !keys.master_key_id.empty();
  const bool has_signing = !keys.signing_public_key.empty();
  return {{"token", keys.token_label},
          {"masterKeyId", or_null(keys.master_key_id)},
          {"masterKeyExportable", has_master ? json(keys.master_key_exportable) : json(nullptr)},
          {"signingKeyId", or_null(SigningKeyId(keys.signing_public_key))},
          {"signingKeyExportable", has_signing ? json(keys.signing_key_exportable) : json(nullptr)},
          {"transportKey", or_null(keys.transport_key_id)}};
}

absl::Status TransportKey(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(std::string out, RequiredFlag(ctx, "--out", "FILE for the public key"));
  COFFER_ASSIGN_OR_RETURN(keystore::Pkcs11Options options, HsmOptions(ctx));
  COFFER_ASSIGN_OR_RETURN(keystore::TransportKey key, keystore::CreateTransportKey(options));
  COFFER_RETURN_IF_ERROR(WritePrivateFile(out, key.pem));
  PrintMessage(ctx.out(), ctx.format(),
               std::string(key.created ? "made" : "kept the waiting") + " transport key " + key.id +
                   " in token '" + options.token_label + "'; its public key is in " + out +
                   ": take it to a replica that has the keys (coffer hsm export)",
               {{"token", options.token_label},
                {"transportKey", key.id},
                {"created", key.created},
                {"file", out}});
  return absl::OkStatus();
}

absl::Status Export(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(std::string pem_file, RequiredFlag(ctx, "--transport-key",
                                                             "FILE from coffer hsm transport-key"));
  COFFER_ASSIGN_OR_RETURN(std::string so_pin_file,
                          RequiredFlag(ctx, "--so-pin-file", "FILE with the token's SO PIN"));
  COFFER_ASSIGN_OR_RETURN(std::string out, RequiredFlag(ctx, "--out", "FILE for the bundle"));
  COFFER_ASSIGN_OR_RETURN(std::string pem, ReadFile(pem_file));
  if (pem.size() > kMaxBundleBytes) {
    return absl::InvalidArgumentError(pem_file + " is not a transport key: larger than 64 KiB");
  }
  COFFER_ASSIGN_OR_RETURN(keystore::Pkcs11Options options, HsmOptions(ctx));
  COFFER_ASSIGN_OR_RETURN(SecretBytes so_pin, keystore::ReadPin(so_pin_file, ""));
  absl::StatusOr<keystore::KeyBundle> bundle = keystore::ExportVaultKeys(options, so_pin, pem);
  if (!bundle.ok()) return WithContext(bundle.status(), "cannot export for " + pem_file);
  COFFER_RETURN_IF_ERROR(WritePrivateFile(out, KeyBundleJson(*bundle)));
  const std::string kid = SigningKeyId(bundle->signing_public_key);
  PrintMessage(ctx.out(), ctx.format(),
               "wrote " + out + ": master key " + bundle->master_key_id + " and signing key " +
                   kid + " of token '" + options.token_label + "', for transport key " +
                   bundle->transport_key_id,
               {{"file", out},
                {"token", options.token_label},
                {"masterKeyId", bundle->master_key_id},
                {"signingKeyId", kid},
                {"transportKey", bundle->transport_key_id},
                {"ceremonyKeyWrap", bundle->ceremony_key_wrap}});
  return absl::OkStatus();
}

absl::Status Import(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(std::string file,
                          RequiredFlag(ctx, "--bundle", "FILE from coffer hsm export"));
  COFFER_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  absl::StatusOr<keystore::KeyBundle> bundle = ParseKeyBundleJson(text);
  if (!bundle.ok()) return WithContext(bundle.status(), file);
  COFFER_ASSIGN_OR_RETURN(keystore::Pkcs11Options options, HsmOptions(ctx));
  const keystore::HeldKeys mode =
      ctx.args().Has("--replace") ? keystore::HeldKeys::kReplace : keystore::HeldKeys::kRefuse;
  absl::StatusOr<keystore::ImportResult> result = keystore::ImportVaultKeys(options, *bundle, mode);
  if (!result.ok()) return WithContext(result.status(), "cannot import " + file);
  const keystore::TokenKeys& keys = result->keys;
  const std::string kid = SigningKeyId(keys.signing_public_key);
  const std::string held = "master key " + keys.master_key_id + " and signing key " + kid;
  PrintMessage(ctx.out(), ctx.format(),
               result->already_held
                   ? "token '" + keys.token_label + "' already holds " + held + ": nothing imported"
                   : "imported " + held + " into token '" + keys.token_label + "'" +
                         (result->replaced ? ", replacing the keys it held" : "") +
                         "; its transport key is destroyed",
               {{"imported", !result->already_held},
                {"replaced", result->replaced},
                {"keys", KeysJson(keys)}});
  return absl::OkStatus();
}

absl::Status Show(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(keystore::Pkcs11Options options, HsmOptions(ctx));
  COFFER_ASSIGN_OR_RETURN(keystore::TokenKeys keys, keystore::DescribeTokenKeys(options));
  PrintObject(ctx.out(), ctx.format(), KeysJson(keys),
              {{"Token", "token"},
               {"Master key", "masterKeyId"},
               {"Master key exportable", "masterKeyExportable"},
               {"Signing key (kid)", "signingKeyId"},
               {"Signing key exportable", "signingKeyExportable"},
               {"Transport key", "transportKey"}});
  return absl::OkStatus();
}

const FlagSpec kConfigFlag = {"--config", "FILE", "this replica's coffer-vault config (its hsm:)"};

}  // namespace

std::vector<Command> HsmCommands() {
  return {
      {{"hsm", "transport-key"},
       {},
       "--config FILE --out FILE",
       "On a joining replica: make the HSM's transport key pair and write its public key (PEM).",
       {kConfigFlag, {"--out", "FILE", "where to write the public key"}},
       TransportKey},
      {{"hsm", "export"},
       {},
       "--config FILE --transport-key FILE --so-pin-file FILE --out FILE",
       "On a replica that has the keys: wrap them for a joiner's transport key, HSM to HSM.",
       {kConfigFlag,
        {"--transport-key", "FILE", "the joiner's public key from coffer hsm transport-key"},
        {"--so-pin-file", "FILE", "this token's security officer PIN, to trust that key"},
        {"--out", "FILE", "where to write the key bundle (JSON)"}},
       Export},
      {{"hsm", "import"},
       {},
       "--config FILE --bundle FILE [--replace]",
       "On the joining replica: unwrap a key bundle into its HSM; the transport key goes.",
       {kConfigFlag,
        {"--bundle", "FILE", "the key bundle from coffer hsm export"},
        {"--replace", "",
         "remove other keys the HSM holds under the same labels (only keys "
         "that protect nothing: its coffer-vault never served)"}},
       Import},
      {{"hsm", "show"},
       {},
       "--config FILE",
       "Show the master key's fingerprint and the signing key's kid in this replica's HSM.",
       {kConfigFlag},
       Show},
  };
}

}  // namespace coffer::cli
