# Run by `cmake --install` (see cmake/Install.cmake): writes the systemd unit with the agent's path
# under the prefix of this install, then installs it to PREFIX/lib/systemd/system (systemd reads
# /usr/local/lib/systemd/system and /usr/lib/systemd/system; package.sh moves it to /lib on Debian 12).
# Set before: XDPLB_UNIT_TEMPLATE, XDPLB_UNIT_WORK_DIR, XDPLB_INSTALL_SBINDIR, XDPLB_INSTALL_DOCDIR,
# XDPLB_CONFIG, XDPLB_DEFAULTS.

# CMAKE_INSTALL_FULL_<DIR> of GNUInstallDirs, for the prefix given to this install.
function(xdplb_full_dir relative out)
  if(IS_ABSOLUTE "${relative}")
    set(full "${relative}")
  else()
    cmake_path(ABSOLUTE_PATH CMAKE_INSTALL_PREFIX NORMALIZE OUTPUT_VARIABLE prefix)
    cmake_path(APPEND prefix "${relative}" OUTPUT_VARIABLE full)
  endif()
  cmake_path(NORMAL_PATH full)
  string(REGEX REPLACE "(.)/$" "\\1" full "${full}")
  set(${out} "${full}" PARENT_SCOPE)
endfunction()

xdplb_full_dir("${XDPLB_INSTALL_SBINDIR}" xdplb_sbindir)
xdplb_full_dir("${XDPLB_INSTALL_DOCDIR}" XDPLB_DOCDIR)
set(XDPLBD "${xdplb_sbindir}/xdplbd")
# One work file per destination: installs of one build to two prefixes at once (the package test
# beside a developer's install) must not write each other's unit.
string(MD5 destination "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
set(unit "${XDPLB_UNIT_WORK_DIR}/${destination}/xdplbd.service")
configure_file("${XDPLB_UNIT_TEMPLATE}" "${unit}" @ONLY)
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE FILES "${unit}")
