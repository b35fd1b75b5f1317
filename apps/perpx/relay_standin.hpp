#pragma once
// StandinBuilder: a STAND-IN for a private relay/builder, for tests and
// drills on a local anvil. It is not a relay and says so: in its name, here,
// and in the HTTP "Server" header of every reply.
//
// It listens on 127.0.0.1 only (HTTP/1.1 keep-alive, one background thread,
// at most max_connections at once, bodies up to max_body_bytes) and answers
// the Flashbots relay methods with their request and reply shapes:
//   eth_sendBundle               [{txs, blockNumber, minTimestamp?, maxTimestamp?,
//                                  revertingTxHashes?, ...}] -> {"bundleHash": keccak(tx hashes)}
//   eth_sendPrivateTransaction   [{tx, maxBlockNumber?, preferences?}] -> tx hash
//   eth_cancelPrivateTransaction [{txHash}] -> true when it was still held
// Every request must carry a valid X-Flashbots-Signature
// (executor::verify_flashbots_signature); a missing or bad one is refused
// as the Flashbots relay refuses it: HTTP 403 with JSON-RPC error -32600,
// "missing X-Flashbots-Signature header" / "error in signature check
// <address>". Other errors: -32700 parse error, -32600 invalid request,
// -32601 method not found, -32602 invalid params (a tx that does not decode
// or recover its sender), -32000 when its queue is full (max_pending).
//
// What it accepts stays private: nothing reaches anvil before build_block().
// The stand-in is then the chain's block producer (anvil started with
// --no-mining): build_block() mines the next block n with
//   - every bundle targeting n (in arrival order), all of its transactions
//     in one block, in its order and adjacent, each successful unless listed
//     in revertingTxHashes, the block timestamp inside [minTimestamp,
//     maxTimestamp]; otherwise none of them,
//   - every held private transaction that succeeds (revert protection, as
//     Flashbots Protect); one that cannot land yet stays held until its
//     maxBlockNumber (default: the block it arrived at + 25, Flashbots'
//     clamp) passes,
//   - and anvil's public pool as it is.
// Bundles for blocks already past and expired private transactions are
// dropped.
//
// How (measured on anvil 1.7.1): anvil has no call that mines a given list
// of transactions; evm_revert empties its pool of ready transactions but
// keeps queued (nonce-gap) ones, which anvil_dropTransaction cannot remove
// (anvil_dropAllTransactions can). So the stand-in first saves the public
// pool (txpool_content, then each raw tx by
// eth_getRawTransactionByHash), takes evm_snapshot, sends the candidates'
// raw transactions and calls evm_mine, then checks the block by its receipts.
// If every candidate holds and the block carries nothing it did not know of,
// that is the block. Otherwise it calls evm_revert and
// anvil_dropAllTransactions, sends the saved public
// transactions again (each sender's by nonce), leaves out the candidates
// that failed, and tries again (at most max_attempts, then the public pool
// alone). Anything that arrived in the pool while it worked is sent again
// after the block, for the next one. Caveats of anvil: its "fees" order is by
// maxFeePerGas with arrival breaking ties (not by tip), so bundle
// transactions come first only when their max fee is at least the pool's;
// and after an undo, public transactions of different senders with equal
// max fees may change places (their arrival order is not visible).
//
// Thread: the server runs on its own thread; build_block() and the
// accessors may be called from any one other thread (build_block calls are
// serialised). The destructor stops the server and joins its thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "perpx/chain/rpc.hpp"

namespace perpx::app {

struct StandinOptions {
  uint16_t port = 0;                 // 0: the kernel picks a free one
  size_t max_body_bytes = 1 << 20;   // larger requests: HTTP 413
  size_t max_connections = 16;       // more are closed at once
  size_t max_pending = 1024;         // bundles + private transactions held
  uint64_t private_txn_blocks = 25;  // default and cap of maxBlockNumber, from the block it arrived at
  int max_attempts = 4;              // block assemblies per build_block before the public pool alone
  std::chrono::milliseconds idle_timeout{30000};  // a connection with no request for this long is closed
};

// What one build_block() did.
struct BuiltBlock {
  chain::BlockNum number = 0;
  std::vector<chain::Hash32> bundles_included;    // bundle hashes, in block order
  std::vector<chain::Hash32> private_included;    // tx hashes
  std::vector<chain::Hash32> bundles_failed;      // targeted this block, could not land whole: dropped
  size_t expired = 0;   // bundles for past blocks and private transactions past maxBlockNumber, dropped
  size_t undos = 0;     // evm_revert rebuilds this block took
  size_t public_txns = 0;  // public pool transactions saved before assembly
};

struct StandinStats {
  uint64_t requests = 0;
  uint64_t refused_signature = 0;  // missing or bad X-Flashbots-Signature
  uint64_t bundles_received = 0;
  uint64_t private_received = 0;
  uint64_t bundles_included = 0;
  uint64_t private_included = 0;
  uint64_t dropped = 0;  // failed or expired
  size_t held = 0;       // bundles + private transactions waiting
};

class StandinBuilder {
 public:
  // anvil_url: the chain it builds on (started with --no-mining). Starts
  // listening at once; throws std::runtime_error if it cannot (start-up).
  explicit StandinBuilder(std::string anvil_url, StandinOptions options = {});
  ~StandinBuilder();
  StandinBuilder(const StandinBuilder&) = delete;
  StandinBuilder& operator=(const StandinBuilder&) = delete;

  [[nodiscard]] uint16_t port() const noexcept;
  [[nodiscard]] std::string url() const;  // "http://127.0.0.1:PORT"

  // Builds and mines the next block as described above. Errors: anvil's
  // (RPC failures); held items stay held.
  chain::RpcResult<BuiltBlock> build_block();

  [[nodiscard]] StandinStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace perpx::app
