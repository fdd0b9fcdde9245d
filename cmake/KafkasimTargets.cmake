# kafkasim_add_library(<name> DIR <folder> [SOURCES ...] [DEPS <name>...] [EXTERNAL <target>...])
#
# Declares the library of one folder as kafkasim::<name>. DEPS names the kafkasim libraries
# the folder may use; they are both its link line and the only folders its files may
# #include (checked at build time by the `layering` target). EXTERNAL are third-party targets.
function(kafkasim_add_library name)
  cmake_parse_arguments(ARG "" "DIR" "SOURCES;DEPS;EXTERNAL" ${ARGN})
  set(target kafkasim_${name})
  if(ARG_SOURCES)
    add_library(${target} STATIC ${ARG_SOURCES})
    set(scope PUBLIC)
  else()
    add_library(${target} INTERFACE)
    set(scope INTERFACE)
  endif()
  add_library(kafkasim::${name} ALIAS ${target})
  target_include_directories(${target} ${scope} ${PROJECT_SOURCE_DIR})
  foreach(dep IN LISTS ARG_DEPS)
    target_link_libraries(${target} ${scope} kafkasim::${dep})
  endforeach()
  if(ARG_EXTERNAL)
    target_link_libraries(${target} ${scope} ${ARG_EXTERNAL})
  endif()
  set_property(GLOBAL APPEND PROPERTY KAFKASIM_LAYERS "${name}")
  set_property(GLOBAL PROPERTY KAFKASIM_LAYER_DIR_${name} "${ARG_DIR}")
  set_property(GLOBAL PROPERTY KAFKASIM_LAYER_DEPS_${name} "${ARG_DEPS}")
endfunction()

# Records a folder that is not a library but whose includes are still checked
# (executables and test folders), with the libraries it may use.
function(kafkasim_declare_layer name)
  cmake_parse_arguments(ARG "" "DIR" "DEPS" ${ARGN})
  set_property(GLOBAL APPEND PROPERTY KAFKASIM_LAYERS "${name}")
  set_property(GLOBAL PROPERTY KAFKASIM_LAYER_DIR_${name} "${ARG_DIR}")
  set_property(GLOBAL PROPERTY KAFKASIM_LAYER_DEPS_${name} "${ARG_DEPS}")
endfunction()

# Writes the layer table (folder, allowed folders, transitively) and adds a target, built by
# default, that fails the build when a file includes a header of a folder it may not use.
function(kafkasim_add_layering_check)
  get_property(layers GLOBAL PROPERTY KAFKASIM_LAYERS)
  set(table "")
  set(all_sources "")
  foreach(layer IN LISTS layers)
    get_property(dir GLOBAL PROPERTY KAFKASIM_LAYER_DIR_${layer})
    # Transitive closure of the allowed dependencies.
    set(allowed "")
    set(frontier ${layer})
    while(frontier)
      list(POP_FRONT frontier current)
      if(NOT current IN_LIST allowed)
        list(APPEND allowed ${current})
        get_property(next GLOBAL PROPERTY KAFKASIM_LAYER_DEPS_${current})
        list(APPEND frontier ${next})
      endif()
    endwhile()
    set(allowed_dirs "")
    foreach(a IN LISTS allowed)
      get_property(adir GLOBAL PROPERTY KAFKASIM_LAYER_DIR_${a})
      list(APPEND allowed_dirs ${adir})
    endforeach()
    string(REPLACE ";" "," allowed_csv "${allowed_dirs}")
    string(APPEND table "${dir}|${allowed_csv}\n")
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS
         ${PROJECT_SOURCE_DIR}/${dir}/*.h ${PROJECT_SOURCE_DIR}/${dir}/*.cpp)
    list(APPEND all_sources ${sources})
  endforeach()
  set(table_file ${PROJECT_BINARY_DIR}/layers.txt)
  file(WRITE ${table_file} "${table}")
  set(stamp ${PROJECT_BINARY_DIR}/layering.stamp)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DROOT=${PROJECT_SOURCE_DIR} -DTABLE=${table_file} -DSTAMP=${stamp}
            -P ${PROJECT_SOURCE_DIR}/cmake/check_layering.cmake
    DEPENDS ${all_sources} ${table_file} ${PROJECT_SOURCE_DIR}/cmake/check_layering.cmake
    COMMENT "Checking that every folder includes only the folders it may depend on")
  add_custom_target(layering ALL DEPENDS ${stamp})
endfunction()
