# Sourced by scripts/fuzz and scripts/sanitize: the one clang build both use (build-fuzz/,
# AddressSanitizer and UndefinedBehaviorSanitizer, libFuzzer's coverage), and the sanitizers'
# settings for whatever runs from it.

sanitized_build_dir() { echo "$1/build-fuzz"; }

# Installs clang if missing and configures the build (once).
sanitized_build_configure() {
  local root=$1 build
  build=$(sanitized_build_dir "$root")
  if ! command -v clang++ >/dev/null; then
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang >/dev/null
  fi
  if [[ ! -f "$build/build.ninja" ]]; then
    # Clang's warnings were never GCC's: this build looks for crashes, not for warnings.
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOFFER_FUZZ=ON -DCOFFER_SANITIZE=ON \
      -DCOFFER_WERROR=OFF >/dev/null
  fi
}

# The slow unwinder on malloc: OpenSSL is built without frame pointers, and the suppressions
# (third-party code only, scripts/lsan.supp) match frames beyond it.
sanitizer_env() {
  local root=$1
  export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
}
