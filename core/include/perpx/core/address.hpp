#pragma once
// Addresses: parsing with EIP-55 checksum validation and checksummed output.
#include <expected>
#include <string>
#include <string_view>

#include "perpx/core/bytes.hpp"
#include "perpx/core/hex.hpp"

namespace perpx::core {

enum class [[nodiscard]] AddressError { kMissingPrefix, kWrongLength, kBadDigit, kBadChecksum };

std::string_view describe(AddressError e) noexcept;

// "0x" + 40 hex digits. All-lowercase or all-uppercase digits are accepted
// as is; mixed case must be the EIP-55 checksum form.
std::expected<Address, AddressError> parse_address(std::string_view s);

// The EIP-55 mixed-case form, "0x" + 40 characters.
std::string to_checksum(const Address& a);

// The last 20 bytes of a 32-byte word/hash.
Address address_from_word(const Hash32& h) noexcept;

}  // namespace perpx::core
