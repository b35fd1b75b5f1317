// placeholder: filled by its own work item
#include "cli.hpp"
namespace perpx::app {
void add_chain_commands(CLI::App& app) { (void)app; }
}
