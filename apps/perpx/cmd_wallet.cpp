// perpx wallet new|import|address: Web3 Secret Storage v3 keystores that
// geth, foundry's cast and ethers read, in geth's folder layout.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "cli.hpp"
#include "perpx/core/address.hpp"
#include "perpx/signer/keystore.hpp"

namespace perpx::app {

namespace {

namespace fs = std::filesystem;

struct WalletOptions {
  std::string keystore;
  std::string password_file;
  std::string private_key;
  std::string kdf = "scrypt";
  bool light = false;
  bool json = false;
  std::vector<std::string> positional;  // `wallet import` refuses these without echoing them
};

signer::KdfParams kdf_of(const WalletOptions& o) {
  if (o.kdf == "pbkdf2") {
    if (o.light) fail("--light applies to --kdf scrypt only");
    return signer::kPbkdf2Standard;
  }
  if (o.kdf != "scrypt") fail("--kdf: must be scrypt or pbkdf2, not '" + o.kdf + "'");
  return o.light ? signer::kScryptLight : signer::kScryptStandard;
}

void print_result(const WalletOptions& o, const signer::Address& address, const std::string& path) {
  if (o.json) print_json(core::Json{{"address", core::to_checksum(address)}, {"path", path}});
  else print_line(core::to_checksum(address));
}

// Writes the file with mode 0600 under a temporary name, then renames it, so
// a reader never sees a partial keystore and an existing file is never replaced.
void write_private_file(const fs::path& path, const std::string& contents) {
  const fs::path tmp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) fail("--keystore: cannot create '" + tmp.string() + "': " + std::strerror(errno));
  if (::fchmod(fd, 0600) != 0) {  // 0600 whatever the umask (which may have removed owner bits)
    const int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail("--keystore: cannot make '" + tmp.string() + "' private: " + std::strerror(e));
  }
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("--keystore: cannot write '" + tmp.string() + "': " + std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    fail("--keystore: cannot write '" + tmp.string() + "'");
  }
  if (::link(tmp.c_str(), path.c_str()) != 0) {  // fails rather than replace an existing file
    const int e = errno;
    ::unlink(tmp.c_str());
    fail("--keystore: cannot create '" + path.string() + "': " + std::strerror(e));
  }
  ::unlink(tmp.c_str());
}

void store_key(const WalletOptions& o, const signer::SecretKey& key) {
  if (o.keystore.empty()) fail("--keystore: a folder to write the keystore into is required");
  if (o.password_file.empty()) fail("--password-file is required");
  const signer::KdfParams kdf = kdf_of(o);
  const std::string password = read_password_file(o.password_file);
  const fs::path dir = o.keystore;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) fail("--keystore: '" + o.keystore + "' is not a folder");
  if (!fs::exists(dir, ec)) {
    if (!fs::create_directories(dir, ec) || ec) fail("--keystore: cannot create folder '" + o.keystore + "': " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);  // geth keeps its keystore folder 0700
  }
  const std::string json = take(signer::encrypt_keystore(key, password, kdf), "keystore");
  const signer::Address address = signer::address_of(key);
  const fs::path path = dir / signer::keystore_file_name(address, std::chrono::system_clock::now());
  write_private_file(path, json);
  print_result(o, address, path.string());
}

signer::SecretKey import_key(const WalletOptions& o) {
  if (!o.private_key.empty()) return take(signer::SecretKey::from_hex(read_arg(o.private_key)), "--private-key");
  if (const char* env = std::getenv("ETH_PRIVATE_KEY"); env && *env)
    return take(signer::SecretKey::from_hex(env), "ETH_PRIVATE_KEY");
  fail("no key to import: pass --private-key or set ETH_PRIVATE_KEY");
}

}  // namespace

void add_wallet_commands(CLI::App& app) {
  auto* group = app.add_subcommand("wallet", "Web3 Secret Storage (v3) keystores");
  group->require_subcommand(1);
  auto opts = std::make_shared<WalletOptions>();

  auto add_common = [&](CLI::App* cmd, std::string_view keystore_help) {
    cmd->add_option("--keystore", opts->keystore, std::string(keystore_help))->required();
    cmd->add_option("--password-file", opts->password_file, "file whose first line is the password")->required();
    cmd->add_flag("--json", opts->json, "print {\"address\", \"path\"}");
  };
  auto add_kdf = [&](CLI::App* cmd) {
    cmd->add_option("--kdf", opts->kdf, "scrypt (default: n=262144, r=8, p=1) or pbkdf2 (c=262144, hmac-sha256)");
    cmd->add_flag("--light", opts->light, "scrypt with geth's light parameters (n=4096, r=8, p=6)");
  };

  auto* make = group->add_subcommand("new", "generate a key and write it as a keystore into a folder");
  add_common(make, "folder to write the keystore into (created if missing)");
  add_kdf(make);
  make->callback([opts] {
    (void)kdf_of(*opts);  // reject bad flags before generating anything
    store_key(*opts, signer::SecretKey::generate());
  });

  auto* imp = group->add_subcommand("import", "write a keystore for the key in --private-key or ETH_PRIVATE_KEY");
  add_common(imp, "folder to write the keystore into (created if missing)");
  add_kdf(imp);
  imp->add_option("--private-key", opts->private_key, "0x-prefixed 32-byte key, or - for stdin (prefer ETH_PRIVATE_KEY)");
  // Caught here rather than by CLI11, whose "not expected" error would print
  // the argument -- possibly a key -- on stderr.
  imp->add_option("positional", opts->positional)->group("");
  imp->callback([opts] {
    if (!opts->positional.empty())
      fail("wallet import: unexpected positional argument (not shown); pass the key with --private-key or ETH_PRIVATE_KEY");
    (void)kdf_of(*opts);
    store_key(*opts, import_key(*opts));
  });

  auto* addr = group->add_subcommand("address", "decrypt a keystore (verifying its MAC) and print its address");
  add_common(addr, "keystore file, or a folder holding exactly one");
  addr->callback([opts] {
    const signer::SecretKey key = load_key(KeyOptions{{}, opts->keystore, opts->password_file});
    fs::path path = opts->keystore;
    std::error_code ec;
    if (fs::is_directory(path, ec))
      for (const auto& e : fs::directory_iterator(path, ec))
        if (e.is_regular_file()) path = e.path();  // load_key checked there is exactly one
    print_result(*opts, signer::address_of(key), path.string());
  });
}

}  // namespace perpx::app
