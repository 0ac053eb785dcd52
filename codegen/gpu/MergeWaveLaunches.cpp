//===- MergeWaveLaunches.cpp - One gpu.launch per wave of kernels ---------===//
//
// kiln-gpu-schedule-waves put independent small kernels next to one
// another and marked them with one `kiln.wave`; here their launches become
// one. The merged grid lists the members' blocks one member after another;
// a block finds its member by comparing its id with the members' offsets
// (a chain of scf.if, the same branch for every thread of the block, so
// the members' barriers stay where all of a block's threads reach them).
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_MERGEWAVELAUNCHES
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

struct Member {
  mlir::gpu::LaunchOp launch;
  int64_t blocks = 0, threads = 0;
};

/// The launch's grid and block sizes when both are 1-D constants.
std::optional<Member> describe(mlir::gpu::LaunchOp launch) {
  auto constant = [](Value v) { return getConstantIntValue(v); };
  mlir::gpu::KernelDim3 grid = launch.getGridSizeOperandValues(),
                        block = launch.getBlockSizeOperandValues();
  std::optional<int64_t> gx = constant(grid.x), bx = constant(block.x);
  if (!gx || !bx || constant(grid.y) != 1 || constant(grid.z) != 1 ||
      constant(block.y) != 1 || constant(block.z) != 1 || !launch.getBody().hasOneBlock() ||
      !launch.getPrivateAttributions().empty() || launch.getAsyncToken() ||
      !launch.getAsyncDependencies().empty() || launch.hasClusterSize())
    return std::nullopt;
  return Member{launch, *gx, *bx};
}

/// Clones `member`'s body at `b`, as the part of the merged `launch` that
/// blocks [offset, offset + member.blocks) run, with `threads` threads a
/// block. The member takes the merged launch's workgroup buffers of the
/// types it needs, adding those missing.
void cloneMember(OpBuilder &b, mlir::gpu::LaunchOp launch, const Member &member, int64_t offset,
                 int64_t threads) {
  mlir::gpu::LaunchOp old = member.launch;
  Location loc = old.getLoc();
  IRMapping mapping;
  Value blockId = launch.getBlockIds().x;
  if (offset != 0)
    blockId = arith::SubIOp::create(b, loc, blockId,
                                    arith::ConstantIndexOp::create(b, loc, offset));
  mapping.map(old.getBlockIds().x, blockId);
  mapping.map(old.getBlockIds().y, launch.getBlockIds().y);
  mapping.map(old.getBlockIds().z, launch.getBlockIds().z);
  mapping.map(old.getThreadIds().x, launch.getThreadIds().x);
  mapping.map(old.getThreadIds().y, launch.getThreadIds().y);
  mapping.map(old.getThreadIds().z, launch.getThreadIds().z);
  mapping.map(old.getGridSize().x, arith::ConstantIndexOp::create(b, loc, member.blocks));
  mapping.map(old.getGridSize().y, launch.getGridSize().y);
  mapping.map(old.getGridSize().z, launch.getGridSize().z);
  mapping.map(old.getBlockSize().x, arith::ConstantIndexOp::create(b, loc, member.threads));
  mapping.map(old.getBlockSize().y, launch.getBlockSize().y);
  mapping.map(old.getBlockSize().z, launch.getBlockSize().z);
  // A block runs one member: members share buffers of one type.
  DenseSet<BlockArgument> taken;
  for (BlockArgument buffer : old.getWorkgroupAttributions()) {
    BlockArgument shared;
    for (BlockArgument candidate : launch.getWorkgroupAttributions())
      if (candidate.getType() == buffer.getType() && !taken.contains(candidate)) {
        shared = candidate;
        break;
      }
    if (!shared)
      shared = launch.addWorkgroupAttribution(buffer.getType(), buffer.getLoc());
    taken.insert(shared);
    mapping.map(buffer, shared);
  }
  OpBuilder::InsertionGuard guard(b);
  if (member.threads < threads) {
    Value active = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                         launch.getThreadIds().x,
                                         arith::ConstantIndexOp::create(b, loc, member.threads));
    auto guarded = scf::IfOp::create(b, loc, active, /*withElseRegion=*/false);
    b.setInsertionPoint(guarded.thenBlock()->getTerminator());
  }
  for (Operation &op : old.getBody().front().without_terminator())
    b.clone(op, mapping);
}

void merge(ArrayRef<Member> members) {
  int64_t blocks = 0, threads = 0;
  for (const Member &m : members) {
    blocks += m.blocks;
    threads = std::max(threads, m.threads);
  }
  mlir::gpu::LaunchOp last = members.back().launch;
  OpBuilder b(last);
  Location loc = b.getFusedLoc(llvm::map_to_vector(
      members, [](Member m) { return m.launch.getLoc(); }));
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto launch = mlir::gpu::LaunchOp::create(b, loc, arith::ConstantIndexOp::create(b, loc, blocks),
                                            one, one,
                                            arith::ConstantIndexOp::create(b, loc, threads), one,
                                            one);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  int64_t offset = 0;
  for (auto [index, member] : llvm::enumerate(members)) {
    if (index + 1 == members.size()) {
      cloneMember(b, launch, member, offset, threads);
      break;
    }
    Value mine = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ult, launch.getBlockIds().x,
        arith::ConstantIndexOp::create(b, loc, offset + member.blocks));
    auto branch = scf::IfOp::create(b, loc, mine, /*withElseRegion=*/true);
    b.setInsertionPoint(branch.thenBlock()->getTerminator());
    cloneMember(b, launch, member, offset, threads);
    b.setInsertionPoint(branch.elseBlock()->getTerminator());
    offset += member.blocks;
  }
  b.setInsertionPointToEnd(&body);
  mlir::gpu::TerminatorOp::create(b, loc);
  for (Member m : members)
    m.launch.erase();
}

struct MergeWaveLaunchesPass : impl::MergeWaveLaunchesBase<MergeWaveLaunchesPass> {
  void runOnOperation() override {
    SmallVector<SmallVector<mlir::gpu::LaunchOp>> waves;
    for (Block &block : getOperation().getBody()) {
      Attribute current;
      for (Operation &op : block) {
        auto launch = llvm::dyn_cast<mlir::gpu::LaunchOp>(op);
        Attribute wave = launch ? launch->getAttr(kWaveAttr) : Attribute();
        if (launch) {
          launch->removeAttr(kWaveAttr);
          if (wave && wave == current)
            waves.back().push_back(launch);
          else if (wave)
            waves.push_back({launch});
          current = wave;
          continue;
        }
        // Only free ops (the launches' constants) may sit between members.
        if (!isMemoryEffectFree(&op))
          current = Attribute();
      }
    }
    for (ArrayRef<mlir::gpu::LaunchOp> wave : waves) {
      if (wave.size() < 2)
        continue;
      SmallVector<Member> members;
      for (mlir::gpu::LaunchOp launch : wave)
        if (std::optional<Member> m = describe(launch))
          members.push_back(*m);
      if (members.size() != wave.size())
        continue;
      int64_t threads = 0;
      for (const Member &m : members)
        threads = std::max(threads, m.threads);
      // A member with fewer threads than the launch must not need all of a
      // block's threads (kiln-gpu-schedule-waves never groups such).
      if (llvm::any_of(members, [&](const Member &m) {
            return m.threads < threads && containsAllThreadsOp(m.launch);
          }))
        continue;
      merge(members);
    }
  }
};

} // namespace
} // namespace kiln::gpu
