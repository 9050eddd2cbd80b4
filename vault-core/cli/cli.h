#ifndef COFFER_VAULT_CORE_CLI_CLI_H_
#define COFFER_VAULT_CORE_CLI_CLI_H_

// `coffer`: finds the command, parses its flags, runs it, and turns the result into an exit code
// (docs/cli.md). Errors go to `err` as one line "coffer: <message>".

#include <string>
#include <vector>

#include "vault-core/cli/command.h"

namespace coffer::cli {

// `argv` without the program name. Data-plane commands speak HTTP through clients from `http`.
int RunCli(const std::vector<std::string>& argv, const Env& env, Io io,
           const http::ClientFactory& http);

// Flags every command takes.
const std::vector<FlagSpec>& GlobalFlags();

}  // namespace coffer::cli

#endif  // COFFER_VAULT_CORE_CLI_CLI_H_
