#pragma once
// The value of a result a test needs; the error becomes the failure message.
#include <catch2/catch.hpp>
#include <expected>
#include <type_traits>

#include "perpx/chain/rpc.hpp"

namespace perpx::test {

template <class T, class E>
T value_of(std::expected<T, E> r) {
  if (!r) {
    if constexpr (std::is_same_v<E, chain::RpcError>) FAIL(chain::to_string(r.error()));
    else if constexpr (requires { r.error().message; }) FAIL(r.error().message);  // module error structs
    else FAIL(r.error());
  }
  return std::move(*r);
}

}  // namespace perpx::test
