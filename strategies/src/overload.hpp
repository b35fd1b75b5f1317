#pragma once
// std::visit over the event variant with one lambda per alternative. Private to strategies/.
namespace perpx::strategies::detail {

template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

}  // namespace perpx::strategies::detail
