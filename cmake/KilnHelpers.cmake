# Helpers shared by Kiln's CMake files.

# kiln_add_library(name SOURCES... [DEPENDS targets...] [LINK_LIBS libs...])
# A compiler library linked against libMLIR.so / libLLVM.so only.
function(kiln_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS} MLIR LLVM)
endfunction()

# kiln_tablegen_passes(target TD_FILE NAME)
# Generates Passes.h.inc from a Passes.td with `-gen-pass-decls -name NAME`.
function(kiln_tablegen_passes target name)
  set(LLVM_TARGET_DEFINITIONS Passes.td)
  mlir_tablegen(Passes.h.inc -gen-pass-decls -name ${name})
  add_public_tablegen_target(${target})
endfunction()
