# Man pages, built with `all` when their tools are found (tools/setup.sh installs both):
#   xdplbd(8), xdplbctl(8)  help2man, from the built binaries' --help and --version, plus the sections
#                           of docs/man/<name>.h2m
#   xdplb.conf(5)           pandoc, from docs/man/xdplb.conf.5.md, which pulls docs/configuration.md
#                           and README's compatibility table in (docs/man/include.lua): the reference
#                           has one source, the man page is a view of it
# Installed to CMAKE_INSTALL_MANDIR/man8 and man5. Without a tool its pages are left out, with a note.
# A sanitizer build is for tests, not for installing: its pages are not made (help2man would run
# instrumented binaries and take what a sanitizer prints at exit into the page).
if(XDPLB_SANITIZE)
  message(STATUS "XDPLB_SANITIZE: man pages are not built")
  return()
endif()
find_program(HELP2MAN_EXECUTABLE help2man)
find_program(PANDOC_EXECUTABLE pandoc)
set(XDPLB_MAN_DIR ${PROJECT_BINARY_DIR}/man)
set(xdplb_man_pages)

if(HELP2MAN_EXECUTABLE)
  # xdplbctl(8) also lists every subcommand's options, from `xdplbctl SUBCOMMAND --help`
  # (docs/man/subcommands.sh writes them as a help2man section).
  set(subcommands ${XDPLB_MAN_DIR}/xdplbctl-subcommands.h2m)
  add_custom_command(
    OUTPUT ${subcommands}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${XDPLB_MAN_DIR}
    COMMAND sh -c "\"$0\" \"$1\" > \"$2\"" ${PROJECT_SOURCE_DIR}/docs/man/subcommands.sh
            $<TARGET_FILE:xdplbctl> ${subcommands}
    DEPENDS xdplbctl ${PROJECT_SOURCE_DIR}/docs/man/subcommands.sh
    COMMENT "Generating the subcommands of xdplbctl(8)"
    VERBATIM)
  set(xdplbd_generated_includes)
  set(xdplbctl_generated_includes ${subcommands})
  foreach(command IN ITEMS xdplbd xdplbctl)
    set(page ${XDPLB_MAN_DIR}/${command}.8)
    set(include ${PROJECT_SOURCE_DIR}/docs/man/${command}.h2m)
    set(include_options --include=${include})
    foreach(generated IN LISTS ${command}_generated_includes)
      list(APPEND include_options --include=${generated})
    endforeach()
    add_custom_command(
      OUTPUT ${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${XDPLB_MAN_DIR}
      COMMAND ${HELP2MAN_EXECUTABLE} --no-info --no-discard-stderr --section=8
              "--manual=System Administration" "--source=xdplb ${PROJECT_VERSION}"
              ${include_options} --output=${page} $<TARGET_FILE:${command}>
      DEPENDS ${command} ${include} ${${command}_generated_includes}
      COMMENT "Generating man page ${command}(8)"
      VERBATIM)
    list(APPEND xdplb_man_pages ${page})
    install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
  endforeach()
else()
  message(STATUS "help2man not found: xdplbd(8) and xdplbctl(8) are not built")
endif()

if(PANDOC_EXECUTABLE)
  set(page ${XDPLB_MAN_DIR}/xdplb.conf.5)
  set(frame ${PROJECT_SOURCE_DIR}/docs/man/xdplb.conf.5.md)
  add_custom_command(
    OUTPUT ${page}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${XDPLB_MAN_DIR}
    COMMAND ${PANDOC_EXECUTABLE} --standalone --from=markdown --to=man
            --lua-filter=${PROJECT_SOURCE_DIR}/docs/man/include.lua
            "--metadata=footer:xdplb ${PROJECT_VERSION}" --output=${page} ${frame}
    DEPENDS ${frame} ${PROJECT_SOURCE_DIR}/docs/man/include.lua ${PROJECT_SOURCE_DIR}/docs/configuration.md
            ${PROJECT_SOURCE_DIR}/README.md
    COMMENT "Generating man page xdplb.conf(5)"
    VERBATIM)
  list(APPEND xdplb_man_pages ${page})
  install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
else()
  message(STATUS "pandoc not found: xdplb.conf(5) is not built")
endif()

if(xdplb_man_pages)
  add_custom_target(man ALL DEPENDS ${xdplb_man_pages})
endif()
