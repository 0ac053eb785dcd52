//===- ArchiveWriter.cpp - Writing a model's output files ----------------===//

#include "codegen/target/ArchiveWriter.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

using namespace llvm;

namespace kiln::target {

namespace {

/// Runs `write` on the open file `fd`, flushes, and reports write errors
/// (a full disk shows up only here) as errors on `path`.
Error writeToDescriptor(int fd, StringRef path,
                        function_ref<Error(raw_ostream &)> write) {
  raw_fd_ostream os(fd, /*shouldClose=*/false);
  Error result = write(os);
  os.flush();
  if (!result && os.has_error())
    result = createFileError(path, os.error());
  // raw_fd_ostream aborts in its destructor on an unchecked error; the
  // error has been reported above instead.
  os.clear_error();
  return result;
}

/// Runs `write` on a temporary file in the destination's directory (so the
/// rename cannot cross file systems) and renames it to `path` if everything,
/// including the final flush, succeeded; removes it otherwise.
Error writeAtomically(StringRef path,
                      function_ref<Error(raw_ostream &)> write) {
  Expected<sys::fs::TempFile> temp =
      sys::fs::TempFile::create(path + ".tmp-%%%%%%%%");
  if (!temp)
    return createFileError(path, temp.takeError());
  if (Error error = writeToDescriptor(temp->FD, path, write))
    return joinErrors(std::move(error), temp->discard());
  if (Error error = temp->keep(path))
    return createFileError(path, std::move(error));
  return Error::success();
}

Error checkMembers(ArrayRef<ArchiveMember> members) {
  StringSet<> seen;
  for (const ArchiveMember &member : members) {
    // GNU archives end short member names with '/', so a name holding one
    // would not read back.
    if (member.name.empty() || member.name.contains('/'))
      return createStringError("invalid archive member name '" + member.name +
                               "'");
    if (!seen.insert(member.name).second)
      return createStringError("duplicate archive member '" + member.name +
                               "'");
  }
  return Error::success();
}

} // namespace

Error writeStaticLibrary(StringRef path, ArrayRef<ArchiveMember> members) {
  if (Error error = checkMembers(members))
    return createFileError(path, std::move(error));

  std::vector<NewArchiveMember> newMembers;
  newMembers.reserve(members.size());
  for (const ArchiveMember &member : members) {
    NewArchiveMember newMember(MemoryBufferRef(member.bytes, member.name));
    newMember.MemberName = member.name;
    newMember.ModTime = {};
    newMember.UID = 0;
    newMember.GID = 0;
    newMember.Perms = 0644;
    newMembers.push_back(std::move(newMember));
  }

  return writeAtomically(path, [&](raw_ostream &os) -> Error {
    // The writer reports problems it can work around (a member it cannot
    // read symbols from) as warnings; a product library must not have them.
    Error warnings = Error::success();
    Error error = writeArchiveToStream(
        os, newMembers, SymtabWritingMode::NormalSymtab, object::Archive::K_GNU,
        /*Deterministic=*/true, /*Thin=*/false,
        /*IsEC=*/std::nullopt, [&](Error warning) {
          warnings = joinErrors(std::move(warnings), std::move(warning));
        });
    if (error)
      return joinErrors(std::move(error), std::move(warnings));
    if (warnings)
      return createFileError(path, std::move(warnings));
    return Error::success();
  });
}

Error writeFileAtomically(StringRef path, StringRef contents) {
  return writeAtomically(path, [&](raw_ostream &os) {
    os << contents;
    return Error::success();
  });
}

} // namespace kiln::target
