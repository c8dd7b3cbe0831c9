# BPF build helpers.
#
#   bpf_object(NAME SOURCE [INCLUDES dirs...])
#
# compiles SOURCE with clang -target bpf into NAME.bpf.o and generates the libbpf skeleton
# NAME.skel.h from it (bpftool gen skeleton). The result is an INTERFACE target `NAME_skel`:
# link it and `#include "NAME.skel.h"`. vmlinux.h is generated once per build tree from the
# running kernel's BTF, so the programs see the exact kernel types (CO-RE).

find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
set(XDPLB_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH "Kernel BTF used to generate vmlinux.h")

set(BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${BPF_GEN_DIR})

add_custom_command(
  OUTPUT ${BPF_GEN_DIR}/vmlinux.h
  COMMAND ${BPFTOOL} btf dump file ${XDPLB_VMLINUX_BTF} format c > ${BPF_GEN_DIR}/vmlinux.h.tmp
  COMMAND ${CMAKE_COMMAND} -E rename ${BPF_GEN_DIR}/vmlinux.h.tmp ${BPF_GEN_DIR}/vmlinux.h
  COMMENT "Generating vmlinux.h from ${XDPLB_VMLINUX_BTF}"
  VERBATIM)
add_custom_target(bpf_vmlinux_h DEPENDS ${BPF_GEN_DIR}/vmlinux.h)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(BPF_TARGET_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_TARGET_ARCH arm64)
else()
  set(BPF_TARGET_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

function(bpf_object name source)
  cmake_parse_arguments(B "" "" "INCLUDES" ${ARGN})
  get_filename_component(src ${source} ABSOLUTE)
  set(obj ${BPF_GEN_DIR}/${name}.bpf.o)
  set(skel ${BPF_GEN_DIR}/${name}.skel.h)
  set(dep ${BPF_GEN_DIR}/${name}.bpf.d)
  set(incs -I${BPF_GEN_DIR} -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}/bpf)
  foreach(dir IN LISTS B_INCLUDES)
    list(APPEND incs -I${dir})
  endforeach()

  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_${BPF_TARGET_ARCH}
            -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
            ${incs} -MD -MF ${dep} -c ${src} -o ${obj}
    DEPENDS ${src}
    DEPFILE ${dep}
    COMMENT "BPF ${name}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
    DEPENDS ${obj}
    COMMENT "BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_bpf_generate DEPENDS ${skel})
  # vmlinux.h comes from another directory's rule: order through its target; the depfile then
  # tracks it like every other header.
  add_dependencies(${name}_bpf_generate bpf_vmlinux_h)
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_bpf_generate)
  target_include_directories(${name}_skel SYSTEM INTERFACE ${BPF_GEN_DIR})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF xdplb_abi)
  set_property(GLOBAL APPEND PROPERTY XDPLB_BPF_OBJECTS ${obj})
endfunction()
