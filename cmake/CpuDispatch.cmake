# Sources named *_avx2.cpp hold the AVX2/FMA/F16C variants of kernels. Only those files are
# compiled with the ISA flags; everything else targets baseline x86-64, and the kernels choose the
# variant at run time from the CPU's features (never -march=native in what ships).
# Sources named *_avx512.cpp hold AVX-512 variants (F, BW, VL, VNNI, VBMI), chosen the same way.
function(llmaccel_cpu_dispatch_flags)
  foreach(src IN LISTS ARGN)
    if(src MATCHES "_avx2\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c")
    endif()
    if(src MATCHES "_avx512\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS
        "-mavx2;-mfma;-mf16c;-mavx512f;-mavx512bw;-mavx512vl;-mavx512vnni;-mavx512vbmi")
    endif()
  endforeach()
endfunction()
