#pragma once
// Impact arithmetic shared by the hedger and the slicer, on the reference
// venue's model (venues/ref_model.hpp): an order of signed size s at skew k
// fills, as a whole, at RefModel::impact_price(m, index, k, s) =
// index * (1 + (2k + s) / (2 * skewScale)). A slippage budget (bps of the
// index) bounds that whole-order fill price, and the budget is spent at the
// worst skew the order can meet (the caller's: the snapshot's skew plus every
// order of ours in flight on the same side), never at the average.
//
// Pure; no allocation; no errors beyond "none fits" (std::nullopt).
#include <cstdint>
#include <optional>

#include "perpx/core/fixed.hpp"
#include "perpx/executor/order.hpp"
#include "perpx/venues/ref_model.hpp"

namespace perpx::strategies {

// The worst price a budget allows: a buy pays at most index * (1e4 + bps) / 1e4
// (rounded down), a sell receives at least index * (1e4 - bps) / 1e4 (rounded up).
core::U256 budget_price(const core::U256& index, executor::Side side, uint32_t budget_bps);

// Whether the whole order (size > 0 on `side`) fills within the budget at `skew`.
bool within_budget(const venues::RefModel& model, size_t market, const core::U256& index, const core::I256& skew,
                   executor::Side side, const core::U256& size, uint32_t budget_bps);

// The largest size <= cap (to `step`, a multiple of it) whose whole-order fill
// price at `skew` stays within the budget; none when not even `step` fits.
std::optional<core::U256> max_size_within_budget(const venues::RefModel& model, size_t market, const core::U256& index,
                                                 const core::I256& skew, executor::Side side, const core::U256& cap,
                                                 uint32_t budget_bps, const core::U256& step);

// The same against an explicit limit price, with the fill priced at `index`
// (the slicer's limit comes from the arrival price, the fill from the current one).
bool within_limit(const venues::RefModel& model, size_t market, const core::U256& index, const core::I256& skew,
                  executor::Side side, const core::U256& size, const core::U256& limit);
std::optional<core::U256> max_size_within_limit(const venues::RefModel& model, size_t market, const core::U256& index,
                                                const core::I256& skew, executor::Side side, const core::U256& cap,
                                                const core::U256& limit, const core::U256& step);

}  // namespace perpx::strategies
