# A throwaway PostgreSQL server for the tests that run against the PostgreSQL engine
# (docs/store.md "PostgreSQL"): ctest test pg_server_start (FIXTURES_SETUP kmebind_pg) starts it
# with scripts/pg-test-server.sh in <build>/pg-test, pg_server_stop (FIXTURES_CLEANUP, run even
# when tests fail) stops it and removes the directory. Every test of the store, apps and system
# layers requires the fixture and finds the server in KMEBIND_TEST_PG_URL; each test makes its own
# database, so ctest -j works.
#
# The port is fixed at configure time, derived from the build directory (32000 + 0..767), so that
# build trees configured side by side on one machine do not collide. Below Linux's ephemeral range
# (32768-60999), where an outgoing connection of a test can take the port before the server binds
# it, and outside 20000-21023, the ports tests/test_ports.h and `pg-test-server.sh start DIR 0`
# reserve for single tests: none of them is ever handed this one.
string(MD5 _kmebind_pg_hash "${CMAKE_BINARY_DIR}")
string(SUBSTRING "${_kmebind_pg_hash}" 0 4 _kmebind_pg_hex)
math(EXPR _kmebind_pg_port "32000 + (0x${_kmebind_pg_hex} % 768)" OUTPUT_FORMAT DECIMAL)
# A build tree configured before kept the port derived then (55432 + 0..999, in the ephemeral
# range) in its cache: replaced, as it was no one's choice.
math(EXPR _kmebind_pg_old_port "55432 + (0x${_kmebind_pg_hex} % 1000)" OUTPUT_FORMAT DECIMAL)
if(DEFINED CACHE{KMEBIND_TEST_PG_PORT} AND KMEBIND_TEST_PG_PORT STREQUAL _kmebind_pg_old_port)
  unset(KMEBIND_TEST_PG_PORT CACHE)
endif()
set(KMEBIND_TEST_PG_PORT ${_kmebind_pg_port} CACHE STRING
    "Port of the PostgreSQL test server started by ctest (127.0.0.1)")
set(KMEBIND_TEST_PG_DIR ${CMAKE_BINARY_DIR}/pg-test)
set(KMEBIND_TEST_PG_URL "postgresql://kmebind@127.0.0.1:${KMEBIND_TEST_PG_PORT}/postgres")
set(_kmebind_pg_script ${CMAKE_SOURCE_DIR}/scripts/pg-test-server.sh)

add_test(NAME pg_server_start
         COMMAND ${_kmebind_pg_script} start ${KMEBIND_TEST_PG_DIR} ${KMEBIND_TEST_PG_PORT})
# The watcher started with KMEBIND_PG_TEST_OWNER_PID=parent stops the server if ctest itself is
# interrupted (then pg_server_stop does not run).
set_tests_properties(pg_server_start PROPERTIES FIXTURES_SETUP kmebind_pg LABELS pg TIMEOUT 120
                     ENVIRONMENT KMEBIND_PG_TEST_OWNER_PID=parent)
add_test(NAME pg_server_stop COMMAND ${_kmebind_pg_script} stop ${KMEBIND_TEST_PG_DIR})
set_tests_properties(pg_server_stop PROPERTIES FIXTURES_CLEANUP kmebind_pg LABELS pg TIMEOUT 120)

foreach(_kmebind_pg_layer store apps system)
  set(KMEBIND_TEST_PROPERTIES_${_kmebind_pg_layer}
      FIXTURES_REQUIRED kmebind_pg ENVIRONMENT KMEBIND_TEST_PG_URL=${KMEBIND_TEST_PG_URL})
endforeach()

# The apps tests create their databases with libpq as well.
if(TARGET kmebind_apps_testlibs)
  target_link_libraries(kmebind_apps_testlibs INTERFACE PkgConfig::LIBPQ)
endif()
