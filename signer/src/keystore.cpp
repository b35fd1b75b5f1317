// placeholder: filled by its own work item
#include "perpx/signer/keystore.hpp"
namespace perpx::signer {
std::string_view describe(KeystoreError) noexcept { return "keystore error"; }
std::expected<SecretKey, KeystoreError> decrypt_keystore(std::string_view, std::string_view) { return std::unexpected(KeystoreError::kUnsupportedVersion); }
}
