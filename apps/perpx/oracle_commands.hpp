#pragma once
// Pieces of `perpx oracle ...` and `perpx drill oracle` shared between files.
#include <string>

#include "cli.hpp"
#include "perpx/core/json.hpp"
#include "perpx/oracle/audit.hpp"
#include "perpx/oracle/config.hpp"

namespace perpx::app {

// The config at `path` (empty: the defaults), or a one-line CliError.
oracle::OracleConfig load_oracle_config(const std::string& path, const std::string& market);

// `perpx oracle audit --json`'s object.
core::Json audit_result_json(const oracle::AuditResult& r, const std::string& db, const std::string& report);

void add_oracle_audit_command(CLI::App& oracle_group);  // oracle_audit.cpp
void add_oracle_watch_command(CLI::App& oracle_group);  // oracle_watch.cpp

}  // namespace perpx::app
