# perpx_warnings(target): the project's warning set, on our targets only.
function(perpx_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion)
  if(PERPX_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# perpx_library(name SOURCES ... DEPS ...): one static library per module,
# public headers in <name>/include/perpx/<name>/, namespace perpx::<name>.
# Layering is enforced here: a module links only what it names in DEPS.
function(perpx_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(perpx_${name} STATIC ${ARG_SOURCES})
  add_library(perpx::${name} ALIAS perpx_${name})
  target_include_directories(perpx_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                           PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(perpx_${name} PUBLIC ${ARG_DEPS})
  perpx_warnings(perpx_${name})
endfunction()
