#pragma once
#include "cli.hpp"
namespace perpx::app {
// `drill oracle` (oracle_drill.cpp).
void add_oracle_drill_command(CLI::App& drill_group);
}  // namespace perpx::app
