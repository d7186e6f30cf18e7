# Tests: one Boost.Test executable per unit area, plus process and interop tests in Python.
# Debian's python3 first: tests use Debian's Python packages (pyftpdlib).
if(EXISTS /usr/bin/python3 AND NOT Python3_EXECUTABLE)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 REQUIRED COMPONENTS Interpreter)

function(ftpd_unit_area area)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/${area}/*.cpp)
  add_executable(unit_${area} ${sources})
  target_compile_definitions(unit_${area} PRIVATE BOOST_TEST_DYN_LINK
                             FTPD_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  target_link_libraries(unit_${area} PRIVATE ${ARGN} Boost::unit_test_framework)
  add_test(NAME unit_${area} COMMAND unit_${area})
  set_tests_properties(unit_${area} PROPERTIES LABELS unit TIMEOUT 120)
endfunction()

ftpd_unit_area(protocol ftp_protocol)
ftpd_unit_area(ipc ftpd_ipc)
ftpd_unit_area(worker ftpd_worker)
ftpd_unit_area(master ftpd_master)
ftpd_unit_area(client ftpctl_core ftp_client_core)

# Process and interop tests: Python unittest modules run against build/bin/ftpd.
function(ftpd_python_test label file)
  get_filename_component(name ${file} NAME_WE)
  add_test(NAME ${label}_${name}
           COMMAND ${Python3_EXECUTABLE} -m unittest -v ${name}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/${label})
  set_tests_properties(${label}_${name} PROPERTIES
    LABELS ${label} TIMEOUT 300
    ENVIRONMENT "FTPD_BIN_DIR=${CMAKE_BINARY_DIR}/bin;PYTHONPATH=${CMAKE_SOURCE_DIR}/tests/support;PYTHONDONTWRITEBYTECODE=1")
endfunction()

file(GLOB process_tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/process/test_*.py)
foreach(t ${process_tests})
  ftpd_python_test(process ${t})
endforeach()
file(GLOB interop_tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/interop/test_*.py)
foreach(t ${interop_tests})
  ftpd_python_test(interop ${t})
endforeach()

# Man pages render without warnings (man --warnings, mandoc -T lint).
add_test(NAME man_pages COMMAND sh ${CMAKE_SOURCE_DIR}/tests/support/check_man.sh)
set_tests_properties(man_pages PROPERTIES LABELS docs TIMEOUT 60 SKIP_RETURN_CODE 77)

# A short libFuzzer run of every tests/fuzz target (~10 s each), built with clang++ into
# fuzz/ of the build dir; skipped when clang++ or its fuzzer runtime is missing.
add_test(NAME fuzz_smoke COMMAND bash ${CMAKE_SOURCE_DIR}/tests/fuzz/smoke.sh ${CMAKE_BINARY_DIR}/fuzz)
set_tests_properties(fuzz_smoke PROPERTIES LABELS fuzz TIMEOUT 900 SKIP_RETURN_CODE 77)

# The .deb: cpack -G DEB, then dpkg-deb -c lists every file at its Debian path.
add_test(NAME package_deb COMMAND sh ${CMAKE_SOURCE_DIR}/tests/support/check_deb.sh ${CMAKE_BINARY_DIR})
set_tests_properties(package_deb PROPERTIES LABELS docs TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
