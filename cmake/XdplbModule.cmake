# xdplb_module(NAME SOURCES... [DEPS targets...])
# Declares one userspace part (config, vrrp, check, dataplane, agent) as a static library
# `xdplb_<NAME>` whose public headers are included as "<NAME>/header.h" from userspace/.
function(xdplb_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(xdplb_${name} STATIC ${M_SOURCES})
  target_include_directories(xdplb_${name} PUBLIC ${PROJECT_SOURCE_DIR}/userspace)
  target_link_libraries(xdplb_${name} PUBLIC xdplb_abi ${M_DEPS} PRIVATE xdplb_warnings)
endfunction()
