// placeholder: filled by its own work item
#include "cli.hpp"
namespace perpx::app {
void add_typed_data_commands(CLI::App& app) { (void)app; }
}
