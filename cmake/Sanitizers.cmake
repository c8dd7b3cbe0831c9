# XDPLB_SANITIZE=ON: every C and C++ target of the build gets AddressSanitizer (with LeakSanitizer)
# and UndefinedBehaviorSanitizer, and the first UB report aborts instead of scrolling past, so a
# test that hits one fails. Used by `tools/test.sh --sanitize` in its own build directory; clang
# only, because that is the compiler whose runtimes tools/setup.sh installs. The BPF objects are
# custom commands and stay unaffected.
option(XDPLB_SANITIZE "Build with ASan + UBSan (clang)" OFF)
if(XDPLB_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "XDPLB_SANITIZE needs clang (CXX=clang++ CC=clang)")
  endif()
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()
