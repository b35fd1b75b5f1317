#include "perpx/executor/driver.hpp"

namespace perpx::executor {

HeadDriver::HeadDriver(chain::RpcClient& rpc, Executor& ex, chain::HeadTrackerOptions options)
    : source_(rpc), ex_(&ex), tracker_(source_, [this](const chain::HeadEvent& e) { queue_.push_back(e); }, options) {}

ExecResult<std::vector<OrderUpdate>> HeadDriver::drain(uint64_t now_ms) {
  std::vector<OrderUpdate> out;
  while (!queue_.empty()) {
    const chain::HeadEvent e = std::move(queue_.front());
    queue_.pop_front();
    ExecResult<std::vector<OrderUpdate>> r = std::vector<OrderUpdate>{};
    if (const auto* a = std::get_if<chain::Advance>(&e)) {
      if (before_head_)
        if (auto h = before_head_(a->header, now_ms); !h) return std::unexpected(h.error());
      r = ex_->on_head(a->header, now_ms);
    }
    else if (const auto* g = std::get_if<chain::Reorg>(&e)) {
      ++reorgs_;
      r = ex_->on_reorg(g->unwind_to, now_ms);
    } else if (const auto* f = std::get_if<chain::Finalized>(&e)) r = ex_->on_finalized(f->block_num, now_ms);
    if (!r) return std::unexpected(r.error());
    out.insert(out.end(), r->begin(), r->end());
  }
  return out;
}

ExecResult<std::vector<OrderUpdate>> HeadDriver::poll(uint64_t now_ms) {
  if (auto r = tracker_.poll(); !r)
    return std::unexpected(ExecError{ExecErrc::kSubmit, "heads: " + chain::to_string(r.error()), 0});
  return drain(now_ms);
}

ExecResult<std::vector<OrderUpdate>> HeadDriver::on_head(const chain::BlockHeader& head, uint64_t now_ms) {
  if (auto r = tracker_.on_head(head); !r)
    return std::unexpected(ExecError{ExecErrc::kSubmit, "heads: " + chain::to_string(r.error()), 0});
  return drain(now_ms);
}

}  // namespace perpx::executor
