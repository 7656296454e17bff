# Finds the Debian-packaged dependencies: cJSON through its CMake config, libpq, libuuid,
# libcurl, expat, zlib and Check through pkg-config. CivetWeb by hand: Debian's
# libcivetweb-dev ships a CMake config whose targets file also imports /usr/bin/civetweb
# (from the separate `civetweb` package), so find_package(civetweb) fails without it.
find_package(Threads REQUIRED)
find_path(CIVETWEB_INCLUDE_DIR civetweb.h REQUIRED)
find_library(CIVETWEB_LIBRARY civetweb REQUIRED)
file(STRINGS "${CIVETWEB_INCLUDE_DIR}/civetweb.h" _cw_version REGEX "^#define CIVETWEB_VERSION ")
if(NOT _cw_version MATCHES "\"1\\.1[5-9]")
  message(FATAL_ERROR "CivetWeb 1.15 or newer required, found: ${_cw_version}")
endif()
add_library(civetweb::civetweb UNKNOWN IMPORTED)
set_target_properties(civetweb::civetweb PROPERTIES IMPORTED_LOCATION "${CIVETWEB_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CIVETWEB_INCLUDE_DIR}")
find_package(cJSON CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(UUID REQUIRED IMPORTED_TARGET uuid)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(EXPAT REQUIRED IMPORTED_TARGET expat)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
pkg_check_modules(CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
if(SBW_BUILD_TESTS)
  pkg_check_modules(CHECK REQUIRED IMPORTED_TARGET check)
endif()

# cJSON's config exports the target "cjson" and CJSON_INCLUDE_DIRS (which points at
# include/, while the header lives in include/cjson/). We include <cjson/cJSON.h>.
if(NOT TARGET cjson)
  message(FATAL_ERROR "cJSON CMake config did not define the cjson target")
endif()
