# Run by `cmake --install` (see cmake/Install.cmake): writes the systemd unit with the agent's path
# under the prefix of this install, then installs it to PREFIX/lib/systemd/system.
# Set before: XDPLB_UNIT_TEMPLATE, XDPLB_UNIT_WORK_DIR, XDPLB_INSTALL_SBINDIR, XDPLB_CONFIG,
# XDPLB_DEFAULTS.
cmake_path(ABSOLUTE_PATH CMAKE_INSTALL_PREFIX NORMALIZE OUTPUT_VARIABLE xdplb_prefix)
if(IS_ABSOLUTE "${XDPLB_INSTALL_SBINDIR}")
  set(xdplb_sbindir "${XDPLB_INSTALL_SBINDIR}")
else()
  cmake_path(APPEND xdplb_prefix "${XDPLB_INSTALL_SBINDIR}" OUTPUT_VARIABLE xdplb_sbindir)
endif()
cmake_path(APPEND xdplb_sbindir xdplbd OUTPUT_VARIABLE XDPLBD)
cmake_path(NORMAL_PATH XDPLBD)
configure_file("${XDPLB_UNIT_TEMPLATE}" "${XDPLB_UNIT_WORK_DIR}/xdplbd.service" @ONLY)
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE
     FILES "${XDPLB_UNIT_WORK_DIR}/xdplbd.service")
