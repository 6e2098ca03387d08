# LLMACCEL_SANITIZE builds the native code with sanitizers: "" (the default: none),
# "address,undefined" (ASan + UBSan, run from the JVM by java/pom.xml's profile sanitize) or
# "thread" (TSan, for the thread pool's own test executable; a JVM cannot host TSan).
# Every finding stops the program (-fno-sanitize-recover=all), so a test run cannot pass over one.
set(LLMACCEL_SANITIZE "" CACHE STRING "Sanitizers for the native code: empty, address,undefined or thread")
set_property(CACHE LLMACCEL_SANITIZE PROPERTY STRINGS "" "address,undefined" "thread")

if(LLMACCEL_SANITIZE)
  if(NOT LLMACCEL_SANITIZE MATCHES "^(address|undefined|address,undefined|undefined,address|thread)$")
    message(FATAL_ERROR "LLMACCEL_SANITIZE must be empty, address,undefined or thread; got '${LLMACCEL_SANITIZE}'")
  endif()
  message(STATUS "llmaccel: native code built with -fsanitize=${LLMACCEL_SANITIZE}")
  add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=${LLMACCEL_SANITIZE}>
                      $<$<COMPILE_LANGUAGE:C,CXX>:-fno-omit-frame-pointer>
                      $<$<COMPILE_LANGUAGE:C,CXX>:-fno-sanitize-recover=all>
                      $<$<COMPILE_LANGUAGE:C,CXX>:-g>)
  add_link_options(-fsanitize=${LLMACCEL_SANITIZE})
endif()
