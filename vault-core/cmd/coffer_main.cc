// coffer: the command line for people and scripts. See docs/cli.md.
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "lib/base/version.h"
#include "lib/http/cpprest/client.h"
#include "vault-core/cli/cli.h"

extern char** environ;

int main(int argc, char** argv) {
  if (coffer::PrintVersionIfAsked(argc, argv, "coffer")) return 0;
  signal(SIGPIPE, SIG_IGN);  // `coffer secret list | head` must not die mid-write
  coffer::cli::Env env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    std::size_t eq = entry.find('=');
    if (eq != std::string::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  return coffer::cli::RunCli(args, env, {std::cin, std::cout, std::cerr, isatty(1) == 1},
                             coffer::http::cpprest::NewClient);
}
