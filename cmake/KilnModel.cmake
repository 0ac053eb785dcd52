# kiln_add_model(NAME MODEL <file> [TARGET <triple>] [OPTIONS <kilnc flags>...])
#
# Compiles a model with kilnc at build time and defines the library target
# NAME: link it and include "NAME.h", e.g.
#
#   kiln_add_model(mnist MODEL mnist.onnx)
#   add_executable(app main.c)
#   target_link_libraries(app PRIVATE mnist)
#
# The model is recompiled when the model file or kilnc changes. KILN_KILNC
# names the compiler (in Kiln's own build, the kilnc target).
include_guard(GLOBAL)
find_package(Threads REQUIRED)

function(kiln_add_model name)
  cmake_parse_arguments(ARG "" "MODEL;TARGET" "OPTIONS" ${ARGN})
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "kiln_add_model(${name}): MODEL is required")
  endif()
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/kiln/${name}")
  set(archive "${dir}/lib${name}.a")
  set(header "${dir}/${name}.h")
  set(flags --name ${name} ${ARG_OPTIONS})
  if(ARG_TARGET)
    list(APPEND flags --target ${ARG_TARGET})
  endif()
  if(TARGET kilnc)
    set(kilnc $<TARGET_FILE:kilnc>)
    set(kilnc_dep kilnc)
  else()
    set(kilnc ${KILN_KILNC})
    set(kilnc_dep ${KILN_KILNC})
  endif()
  add_custom_command(
    OUTPUT ${archive} ${header}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${kilnc} ${model} -o ${archive} ${flags}
    DEPENDS ${model} ${kilnc_dep}
    COMMENT "Compiling model ${name} with kilnc"
    VERBATIM)
  add_custom_target(${name}_kilnc DEPENDS ${archive} ${header})
  add_library(${name} INTERFACE)
  add_dependencies(${name} ${name}_kilnc)
  target_include_directories(${name} INTERFACE ${dir})
  target_link_libraries(${name} INTERFACE ${archive} m Threads::Threads)
endfunction()
