# Defines the imported target llmaccel::openblas from the unpacked org.bytedeco:openblas platform
# jar (LLMACCEL_OPENBLAS_ROOT = .../org/bytedeco/openblas/linux-x86_64). The jar's own
# OpenBLASConfig.cmake points at a lib/ folder that the jar does not have, so it is not used; the
# jar holds only libopenblas.so.0, so link names are made for it in <build>/openblas-link:
# libopenblas.so for this library, libopenblas_nolapack.so for the JavaCPP glue, which inherits
# the preset's openblas_nolapack configuration.
if(NOT LLMACCEL_OPENBLAS_ROOT OR NOT EXISTS "${LLMACCEL_OPENBLAS_ROOT}/libopenblas.so.0")
  message(FATAL_ERROR "LLMACCEL_OPENBLAS_ROOT must name the unpacked OpenBLAS preset folder "
                      "holding libopenblas.so.0 (the Maven build unpacks it); got '${LLMACCEL_OPENBLAS_ROOT}'")
endif()

set(_openblas_link "${CMAKE_BINARY_DIR}/openblas-link")
file(MAKE_DIRECTORY "${_openblas_link}")
foreach(_name libopenblas.so libopenblas_nolapack.so)
  file(CREATE_LINK "${LLMACCEL_OPENBLAS_ROOT}/libopenblas.so.0" "${_openblas_link}/${_name}" SYMBOLIC)
endforeach()

add_library(llmaccel::openblas SHARED IMPORTED)
set_target_properties(llmaccel::openblas PROPERTIES
  IMPORTED_LOCATION "${_openblas_link}/libopenblas.so"
  IMPORTED_SONAME "libopenblas.so.0"
  INTERFACE_INCLUDE_DIRECTORIES "${LLMACCEL_OPENBLAS_ROOT}/include")
