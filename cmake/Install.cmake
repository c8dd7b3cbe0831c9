# What `cmake --install` puts beside the binaries (which their own CMakeLists install to
# CMAKE_INSTALL_SBINDIR): the systemd unit, the options file, docs, examples, man pages and bash
# completion.
#
# The unit names the agent by its installed path, CMAKE_INSTALL_FULL_SBINDIR/xdplbd. That path is
# known for certain only when installing (`cmake --install build --prefix /usr` of a build configured
# for /usr/local must give /usr/sbin), so cmake/InstallUnit.cmake computes the full directories from
# the install-time prefix, as GNUInstallDirs does, and writes the unit then. Configuration and options
# stay in /etc whatever the prefix: /etc/xdplb/xdplb.conf is also the agent's built-in default for -f.
set(XDPLB_CONFIG_FILE /etc/xdplb/xdplb.conf)
set(XDPLB_DEFAULTS_FILE /etc/default/xdplbd)

install(CODE "
set(XDPLB_UNIT_TEMPLATE \"${PROJECT_SOURCE_DIR}/conf/xdplbd.service.in\")
set(XDPLB_UNIT_WORK_DIR \"${PROJECT_BINARY_DIR}/install-time\")
set(XDPLB_INSTALL_SBINDIR \"${CMAKE_INSTALL_SBINDIR}\")
set(XDPLB_INSTALL_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
set(XDPLB_CONFIG \"${XDPLB_CONFIG_FILE}\")
set(XDPLB_DEFAULTS \"${XDPLB_DEFAULTS_FILE}\")
")
install(SCRIPT ${PROJECT_SOURCE_DIR}/cmake/InstallUnit.cmake)

# A commented file: every line is an example, nothing is set. Absolute, like the unit's path to it.
# An existing one is the operator's (the package makes it a conffile): it is left as it is.
install(CODE "
set(xdplb_defaults \"\$ENV{DESTDIR}${XDPLB_DEFAULTS_FILE}\")
if(EXISTS \"\${xdplb_defaults}\")
  message(STATUS \"Kept (exists): \${xdplb_defaults}\")
else()
  file(INSTALL DESTINATION /etc/default TYPE FILE FILES \"${PROJECT_SOURCE_DIR}/conf/xdplbd.default\"
       RENAME xdplbd)
endif()
")

install(FILES README.md docs/configuration.md docs/control.md docs/install.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY conf/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples FILES_MATCHING PATTERN "*.conf"
        PATTERN bash-completion EXCLUDE)

# One completion file for both commands; bash-completion looks a command's up by its name.
install(FILES conf/bash-completion/xdplb DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME xdplbctl)
install(CODE "
file(CREATE_LINK xdplbctl
     \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions/xdplbd\"
     SYMBOLIC)
list(APPEND CMAKE_INSTALL_MANIFEST_FILES
     \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions/xdplbd\")
message(STATUS \"Installing: \$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions/xdplbd -> xdplbctl\")
")

include(ManPages)
