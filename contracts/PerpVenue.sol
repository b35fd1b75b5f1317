// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

interface IPerpOracle {
    function indexPrice(uint256 market) external view returns (uint256);
}

/// perpx's reference perpetual-futures venue: the drill ground whose rules are
/// known exactly, mirrored unit for unit by perpx::venues::RefModel (C++).
///
/// Units. Prices and sizes are 1e18 fixed point (USD per unit, units of the
/// asset; a size is signed: long > 0). Every USD amount inside the venue
/// (margin, PnL, fees, funding) is 1e18 fixed point ("wad"); the collateral
/// token has 6 decimals and converts exactly: wad = tokens * 1e12. Every
/// division truncates toward zero (Solidity's int256/uint256 `/`), in the
/// order written. W = 1e18.
///
/// Prices. index = PerpOracle.indexPrice(market). The impacted price of a
/// trade of `size` against skew `skew`:
///   premium = (2*skew + size) * W / (2*skewScale)
///   fill    = index * (W + premium) / W
/// i.e. the index moved by (skew + size/2)/skewScale.
///
/// Funding (proportional to skew, longs pay when skew > 0):
///   rate  = clamp(skew * maxFundingRate / skewScale, +-maxFundingRate)   (per day)
///   on every touch of a market: fundingIndex += rate * index / W * dt / 86400,
///   dt = seconds since the last accrual. A position owes
///   size * (fundingIndex - position.lastFundingIndex) / W, settled into its
///   margin on every touch of the position.
///
/// Margin. notional = |size| * index / W; IM = notional * imFraction / W,
/// MM = notional * mmFraction / W, per position. upnl = size * (index - entry) / W.
/// Cross equity = cross margin + sum over cross positions (upnl - pending funding);
/// an isolated position's equity = its margin + upnl - pending funding.
/// marginRatio = equity * W / MM (type(int256).max when MM = 0).
///
/// Trades. fee = |delta| * fill / W * takerFee / W. A trade against the
/// position realises closed * (fill - entry) / W, closed = the part of the old
/// position it closes (signed as the old position). Entry: fill on open or
/// flip; (|old|*entry + |delta|*fill) / |new| on increase; unchanged on a
/// reduce; 0 when flat. A trade that increases |size| or flips requires
/// equity >= IM afterwards (cross: the account; isolated: the position).
///
/// Liquidation, at the index price, without fee or impact: allowed when
/// equity < MM. Cross accounts: all cross positions together; isolated
/// positions alone. half = size / 2 of each position; reward_i =
/// |close_i| * index / W * liquidationReward / W, paid from the liquidated
/// margin to the liquidator's cross margin. If equity - sum(reward of halves)
/// >= sum(MM of size - half), half of each position is closed (partial);
/// otherwise all. After a full liquidation a negative margin is written off
/// as bad debt (margin set to 0).
///
/// Order paths: placeOrder / placeOrders (public: fill at the impacted price
/// now); commitOrder + revealOrder (fill at the index and skew of the first
/// touch of the market in the commit block); submitBatchOrder + settleBatch
/// (every live order of a batch fills at one price: the impacted price of the
/// batch's net size against the index and skew of the first touch of the
/// market in the batch's window). Snapshots are taken before the touching
/// operation's own effect.
contract PerpVenue {
    using SafeERC20 for IERC20;

    int256 internal constant W = 1e18;
    uint256 internal constant UW = 1e18;
    uint256 internal constant TOKEN_TO_WAD = 1e12;

    uint8 public constant PATH_PUBLIC = 0;
    uint8 public constant PATH_COMMIT = 1;
    uint8 public constant PATH_BATCH = 2;
    uint8 public constant PATH_LIQUIDATION = 3;

    uint8 internal constant COMMIT_PENDING = 1;
    uint8 internal constant COMMIT_REVEALED = 2;
    uint8 internal constant COMMIT_CLEARED = 3;
    uint256 public constant MAX_BATCH_ORDERS = 64;

    struct Market {
        string name;
        uint256 skewScale;        // size units (1e18)
        uint256 imFraction;       // 1e18 = 100%
        uint256 mmFraction;
        uint256 takerFee;
        uint256 maxFundingRate;   // per day, 1e18 = 100%
        int256 skew;
        uint256 openInterestLong;
        uint256 openInterestShort;
        int256 fundingIndex;      // USD (1e18) per unit of size
        uint256 lastFundingTime;
    }

    struct Position {
        int256 size;
        uint256 entryPrice;
        int256 lastFundingIndex;
        int256 margin;            // isolated positions only
        bool isolated;
    }

    struct Order {
        uint256 market;
        int256 sizeDelta;
        uint256 limitPrice;       // buy: fill <= limit; sell: fill >= limit
        uint256 deadline;         // unix time; the order fails after it
    }

    struct Snapshot {
        uint256 index;            // 0: the oracle was unusable then
        int256 skew;
        bool set;
    }

    struct Commitment {
        address account;
        uint64 blockNum;
        uint8 status;
    }

    struct BatchOrder {
        address account;
        int256 sizeDelta;
        uint256 limitPrice;
        uint256 deadline;
    }

    // ---- errors ----
    error NotOwner();
    error OnlySelf();
    error UnknownMarket(uint256 market);
    error ZeroSize();
    error ZeroAmount();
    error DeadlineExpired(uint256 deadline, uint256 timestamp);
    error LimitPriceExceeded(uint256 fillPrice, uint256 limitPrice);
    error InsufficientMargin(int256 equity, uint256 required);
    error WithdrawBelowMargin(int256 equityAfter, uint256 required);
    error NonPositivePrice();
    error PositionOpen(uint256 market);
    error NotIsolated(uint256 market);
    error AccountHealthy(address account, int256 equity, uint256 maintenanceMargin);
    error CommitmentExists(bytes32 commitment);
    error UnknownCommitment(bytes32 commitment);
    error AlreadyRevealed(bytes32 commitment);
    error CommitmentWasCleared(bytes32 commitment);
    error RevealTooEarly(bytes32 commitment, uint256 firstBlock);
    error RevealTooLate(bytes32 commitment, uint256 lastBlock);
    error CommitmentNotExpired(bytes32 commitment, uint256 lastBlock);
    error SnapshotUnavailable(uint256 market, uint256 blockNum);
    error NoPendingBatch(uint256 market);
    error BatchWindowOpen(uint256 batchId, uint256 firstSettleBlock);
    error BatchFull(uint256 batchId);

    // ---- events ----
    event MarketAdded(uint256 indexed market, string name, uint256 skewScale, uint256 imFraction, uint256 mmFraction,
                      uint256 takerFee, uint256 maxFundingRate);
    event LiquidityAdded(address indexed provider, uint256 amount);
    event Deposited(address indexed account, uint256 amount, int256 margin);
    event Withdrawn(address indexed account, uint256 amount, int256 margin);
    event IsolationSet(address indexed account, uint256 indexed market, bool isolated);
    event MarginTransferred(address indexed account, uint256 indexed market, int256 amount, int256 crossMargin,
                            int256 isolatedMargin);
    event FundingAccrued(uint256 indexed market, int256 rate, uint256 indexPrice, uint256 elapsed, int256 fundingIndex);
    event FundingSettled(address indexed account, uint256 indexed market, int256 amount, int256 fundingIndex);
    event OrderFilled(address indexed account, uint256 indexed market, uint8 path, int256 sizeDelta, uint256 fillPrice,
                      int256 newSize, uint256 newEntryPrice, uint256 fee, int256 realizedPnl, int256 margin);
    event OrderCommitted(address indexed account, bytes32 indexed commitment, uint256 blockNum);
    event OrderRevealed(address indexed account, bytes32 indexed commitment, uint256 indexed market, int256 sizeDelta,
                        uint256 snapshotIndex, int256 snapshotSkew);
    event CommitmentCleared(bytes32 indexed commitment, address indexed account);
    event BatchOrderQueued(uint256 indexed market, uint256 indexed batchId, address indexed account, uint256 slot,
                           int256 sizeDelta, uint256 limitPrice, uint256 deadline);
    event BatchOrderCancelled(uint256 indexed market, uint256 indexed batchId, address indexed account, uint256 slot,
                              bytes reason);
    event BatchSettled(uint256 indexed market, uint256 indexed batchId, uint256 clearingPrice, int256 netSize,
                       uint256 filled, uint256 cancelled);
    event Liquidated(address indexed account, uint256 indexed market, address indexed liquidator, int256 sizeClosed,
                     uint256 price, int256 realizedPnl, uint256 reward, bool partialClose);
    event BadDebt(address indexed account, uint256 indexed market, int256 amount);

    address public immutable owner;
    IERC20 public immutable collateral;
    IPerpOracle public immutable oracle;
    uint256 public immutable liquidationReward;   // fraction of closed notional, 1e18 = 100%
    uint256 public immutable minRevealDelay;      // blocks
    uint256 public immutable maxRevealDelay;      // blocks
    uint256 public immutable batchWindow;         // blocks; batch id = block.number / batchWindow

    uint256 public marketCount;
    mapping(uint256 => Market) public markets;
    mapping(address => int256) public crossMargin;
    mapping(address => mapping(uint256 => Position)) public positions;
    mapping(address => int256) public realizedPnl;     // cumulative, all markets
    mapping(address => uint256) public feesPaid;
    mapping(address => int256) public fundingPaid;
    int256 public feePool;
    int256 public badDebt;
    mapping(uint256 => mapping(uint256 => Snapshot)) public blockSnapshots;   // market => block => snapshot
    mapping(uint256 => mapping(uint256 => Snapshot)) public batchSnapshots;   // market => batch id => snapshot
    mapping(bytes32 => Commitment) public commitments;
    mapping(uint256 => mapping(uint256 => BatchOrder[])) internal batchOrders_;
    mapping(uint256 => uint256[]) internal batchIds_;
    mapping(uint256 => uint256) public batchCursor;

    constructor(address collateral_, address oracle_, uint256 liquidationReward_, uint256 minRevealDelay_,
                uint256 maxRevealDelay_, uint256 batchWindow_) {
        require(batchWindow_ > 0 && minRevealDelay_ <= maxRevealDelay_, "params");
        owner = msg.sender;
        collateral = IERC20(collateral_);
        oracle = IPerpOracle(oracle_);
        liquidationReward = liquidationReward_;
        minRevealDelay = minRevealDelay_;
        maxRevealDelay = maxRevealDelay_;
        batchWindow = batchWindow_;
    }

    // ---- administration and collateral ----

    function addMarket(string calldata name, uint256 skewScale, uint256 imFraction, uint256 mmFraction,
                       uint256 takerFee, uint256 maxFundingRate) external returns (uint256 market) {
        if (msg.sender != owner) revert NotOwner();
        require(skewScale > 0 && mmFraction <= imFraction, "params");
        market = marketCount++;
        Market storage mk = markets[market];
        mk.name = name;
        mk.skewScale = skewScale;
        mk.imFraction = imFraction;
        mk.mmFraction = mmFraction;
        mk.takerFee = takerFee;
        mk.maxFundingRate = maxFundingRate;
        mk.lastFundingTime = block.timestamp;
        emit MarketAdded(market, name, skewScale, imFraction, mmFraction, takerFee, maxFundingRate);
    }

    /// Counterparty liquidity: tokens the venue pays profits from (no shares).
    function addLiquidity(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        collateral.safeTransferFrom(msg.sender, address(this), amount);
        emit LiquidityAdded(msg.sender, amount);
    }

    function deposit(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        collateral.safeTransferFrom(msg.sender, address(this), amount);
        crossMargin[msg.sender] += int256(amount * TOKEN_TO_WAD);
        emit Deposited(msg.sender, amount, crossMargin[msg.sender]);
    }

    /// Credits `account`'s cross margin with tokens paid by the caller (seeding, sponsors).
    function depositFor(address account, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        collateral.safeTransferFrom(msg.sender, address(this), amount);
        crossMargin[account] += int256(amount * TOKEN_TO_WAD);
        emit Deposited(account, amount, crossMargin[account]);
    }

    /// Down to initial margin: afterwards cross margin >= 0 and cross equity >= cross IM.
    function withdraw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        int256 wad = int256(amount * TOKEN_TO_WAD);
        (int256 equity, uint256 im,) = _crossFigures(msg.sender);
        int256 after_ = crossMargin[msg.sender] - wad;
        if (after_ < 0 || equity - wad < int256(im)) revert WithdrawBelowMargin(equity - wad, im);
        crossMargin[msg.sender] = after_;
        collateral.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount, after_);
    }

    /// Makes the account's (flat) position in `market` isolated or cross again.
    function setIsolated(uint256 market, bool isolated) external {
        _market(market);
        Position storage p = positions[msg.sender][market];
        if (p.size != 0) revert PositionOpen(market);
        if (!isolated && p.margin != 0) {
            crossMargin[msg.sender] += p.margin;
            p.margin = 0;
        }
        p.isolated = isolated;
        emit IsolationSet(msg.sender, market, isolated);
    }

    /// Moves `amount` (wad) from cross margin into an isolated position (> 0) or back (< 0).
    function transferMargin(uint256 market, int256 amount) external {
        _market(market);
        if (amount == 0) revert ZeroAmount();
        Position storage p = positions[msg.sender][market];
        if (!p.isolated) revert NotIsolated(market);
        if (amount > 0) {
            (int256 equity, uint256 im,) = _crossFigures(msg.sender);
            if (crossMargin[msg.sender] < amount || equity - amount < int256(im)) {
                revert InsufficientMargin(equity - amount, im);
            }
        } else {
            (int256 equity, uint256 im,) = _isolatedFigures(msg.sender, market);
            if (p.margin < -amount || equity + amount < int256(im)) revert InsufficientMargin(equity + amount, im);
        }
        crossMargin[msg.sender] -= amount;
        p.margin += amount;
        emit MarginTransferred(msg.sender, market, amount, crossMargin[msg.sender], p.margin);
    }

    // ---- order paths ----

    function placeOrder(uint256 market, int256 sizeDelta, uint256 limitPrice, uint256 deadline) external {
        _placeOrder(Order(market, sizeDelta, limitPrice, deadline));
    }

    /// Several orders of one account, in the order given (each at its own impacted price).
    function placeOrders(Order[] calldata orders) external {
        for (uint256 i = 0; i < orders.length; ++i) _placeOrder(orders[i]);
    }

    function commitOrder(bytes32 commitment) external {
        Commitment storage c = commitments[commitment];
        if (c.status != 0) revert CommitmentExists(commitment);
        uint256 n = marketCount;
        for (uint256 m = 0; m < n; ++m) {
            Snapshot storage s = blockSnapshots[m][block.number];
            if (s.set) continue;
            s.set = true;
            s.skew = markets[m].skew;
            try oracle.indexPrice(m) returns (uint256 p) {
                s.index = p;
            } catch {}
        }
        c.account = msg.sender;
        c.blockNum = uint64(block.number);
        c.status = COMMIT_PENDING;
        emit OrderCommitted(msg.sender, commitment, block.number);
    }

    /// The commitment a reveal checks: keccak256(abi.encode(account, market, sizeDelta, limitPrice, salt, deadline)).
    function commitmentOf(address account, uint256 market, int256 sizeDelta, uint256 limitPrice, bytes32 salt,
                          uint256 deadline) public pure returns (bytes32) {
        return keccak256(abi.encode(account, market, sizeDelta, limitPrice, salt, deadline));
    }

    /// Fills a committed order in [commit block + minRevealDelay, commit block + maxRevealDelay]
    /// at the impacted price of the commit block's snapshot.
    function revealOrder(uint256 market, int256 sizeDelta, uint256 limitPrice, bytes32 salt, uint256 deadline)
        external
    {
        bytes32 h = commitmentOf(msg.sender, market, sizeDelta, limitPrice, salt, deadline);
        Commitment storage c = commitments[h];
        if (c.status == 0) revert UnknownCommitment(h);
        if (c.status == COMMIT_REVEALED) revert AlreadyRevealed(h);
        if (c.status == COMMIT_CLEARED) revert CommitmentWasCleared(h);
        uint256 first = uint256(c.blockNum) + minRevealDelay;
        uint256 last = uint256(c.blockNum) + maxRevealDelay;
        if (block.number < first) revert RevealTooEarly(h, first);
        if (block.number > last) revert RevealTooLate(h, last);
        if (sizeDelta == 0) revert ZeroSize();
        if (block.timestamp > deadline) revert DeadlineExpired(deadline, block.timestamp);
        Market storage mk = _market(market);
        Snapshot storage s = blockSnapshots[market][c.blockNum];
        if (s.index == 0) revert SnapshotUnavailable(market, c.blockNum);
        uint256 fill = _impact(mk, s.index, s.skew, sizeDelta);
        _checkLimit(sizeDelta, fill, limitPrice);
        c.status = COMMIT_REVEALED;
        uint256 index = _index(market);
        _touch(market, mk, index);
        emit OrderRevealed(msg.sender, h, market, sizeDelta, s.index, s.skew);
        _trade(msg.sender, market, sizeDelta, fill, index, PATH_COMMIT);
    }

    /// Anyone may clear a commitment whose reveal window has passed.
    function clearExpiredCommitment(bytes32 commitment) external {
        Commitment storage c = commitments[commitment];
        if (c.status == 0) revert UnknownCommitment(commitment);
        if (c.status == COMMIT_REVEALED) revert AlreadyRevealed(commitment);
        if (c.status == COMMIT_CLEARED) revert CommitmentWasCleared(commitment);
        uint256 last = uint256(c.blockNum) + maxRevealDelay;
        if (block.number <= last) revert CommitmentNotExpired(commitment, last);
        c.status = COMMIT_CLEARED;
        emit CommitmentCleared(commitment, c.account);
    }

    /// Queues an order into the batch of the current window (batch id = block.number / batchWindow).
    function submitBatchOrder(uint256 market, int256 sizeDelta, uint256 limitPrice, uint256 deadline) external {
        if (sizeDelta == 0) revert ZeroSize();
        if (block.timestamp > deadline) revert DeadlineExpired(deadline, block.timestamp);
        Market storage mk = _market(market);
        _touch(market, mk, _index(market));
        uint256 id = block.number / batchWindow;
        BatchOrder[] storage q = batchOrders_[market][id];
        if (q.length == 0) batchIds_[market].push(id);
        if (q.length >= MAX_BATCH_ORDERS) revert BatchFull(id);
        q.push(BatchOrder(msg.sender, sizeDelta, limitPrice, deadline));
        emit BatchOrderQueued(market, id, msg.sender, q.length - 1, sizeDelta, limitPrice, deadline);
    }

    /// Settles the oldest unsettled batch of `market` once its window has ended:
    /// clearing = impacted price of the net size of its live orders (deadline
    /// not passed) against the batch's snapshot. An order whose limit that
    /// price breaks, or whose fill fails (margin), is cancelled; the rest fill.
    function settleBatch(uint256 market) external {
        Market storage mk = _market(market);
        uint256 cursor = batchCursor[market];
        if (cursor >= batchIds_[market].length) revert NoPendingBatch(market);
        uint256 id = batchIds_[market][cursor];
        if (block.number / batchWindow <= id) revert BatchWindowOpen(id, (id + 1) * batchWindow);
        batchCursor[market] = cursor + 1;
        uint256 index = _index(market);
        _touch(market, mk, index);
        _accrue(market, mk, index);
        BatchOrder[] storage q = batchOrders_[market][id];
        uint256 n = q.length;
        int256 net = 0;
        for (uint256 i = 0; i < n; ++i) {
            if (block.timestamp <= q[i].deadline) net += q[i].sizeDelta;
        }
        Snapshot storage s = batchSnapshots[market][id];
        uint256 clearing = _impact(mk, s.index, s.skew, net);
        uint256 filled = 0;
        for (uint256 i = 0; i < n; ++i) {
            if (_settleOne(market, id, i, clearing, index)) ++filled;
        }
        emit BatchSettled(market, id, clearing, net, filled, n - filled);
    }

    function _settleOne(uint256 market, uint256 id, uint256 i, uint256 clearing, uint256 index)
        internal
        returns (bool)
    {
        BatchOrder memory o = batchOrders_[market][id][i];
        bytes memory reason;
        if (block.timestamp > o.deadline) {
            reason = abi.encodeWithSelector(DeadlineExpired.selector, o.deadline, block.timestamp);
        } else if (o.sizeDelta > 0 ? clearing > o.limitPrice : clearing < o.limitPrice) {
            reason = abi.encodeWithSelector(LimitPriceExceeded.selector, clearing, o.limitPrice);
        } else {
            try this.fillBatchOrder(o.account, market, o.sizeDelta, clearing, index) {
                return true;
            } catch (bytes memory r) {
                reason = r;
            }
        }
        emit BatchOrderCancelled(market, id, o.account, i, reason);
        return false;
    }

    /// settleBatch's own call, so that one failing fill cancels only its order.
    function fillBatchOrder(address account, uint256 market, int256 sizeDelta, uint256 fill, uint256 index) external {
        if (msg.sender != address(this)) revert OnlySelf();
        _trade(account, market, sizeDelta, fill, index, PATH_BATCH);
    }

    // ---- liquidation ----

    /// Liquidates the cross positions of `account` as a whole (see the contract comment).
    function liquidate(address account) external {
        uint256 n = marketCount;
        uint256[] memory idx = new uint256[](n);
        for (uint256 m = 0; m < n; ++m) {
            Position storage p = positions[account][m];
            if (p.isolated || p.size == 0) continue;
            Market storage mk = markets[m];
            idx[m] = _index(m);
            _touch(m, mk, idx[m]);
            _accrue(m, mk, idx[m]);
            _settleFunding(account, m, p, mk);
        }
        (int256 equity,, uint256 mm) = _crossFigures(account);
        if (mm == 0 || equity >= int256(mm)) revert AccountHealthy(account, equity, mm);
        int256 rewardHalf = 0;
        uint256 mmAfter = 0;
        for (uint256 m = 0; m < n; ++m) {
            Position storage p = positions[account][m];
            if (p.isolated || p.size == 0) continue;
            int256 half = p.size / 2;
            rewardHalf += int256(_reward(half, idx[m]));
            mmAfter += _marginOf(p.size - half, idx[m], markets[m].mmFraction);
        }
        bool partialClose = equity - rewardHalf >= int256(mmAfter);
        for (uint256 m = 0; m < n; ++m) {
            Position storage p = positions[account][m];
            if (p.isolated || p.size == 0) continue;
            _liquidateSome(account, m, p, partialClose ? p.size / 2 : p.size, idx[m], partialClose);
        }
        if (!partialClose && crossMargin[account] < 0) {
            badDebt -= crossMargin[account];
            emit BadDebt(account, type(uint256).max, crossMargin[account]);
            crossMargin[account] = 0;
        }
    }

    /// Liquidates one isolated position on its own margin.
    function liquidatePosition(address account, uint256 market) external {
        Market storage mk = _market(market);
        Position storage p = positions[account][market];
        if (!p.isolated) revert NotIsolated(market);
        uint256 index = _index(market);
        _touch(market, mk, index);
        _accrue(market, mk, index);
        _settleFunding(account, market, p, mk);
        (int256 equity,, uint256 mm) = _isolatedFigures(account, market);
        if (mm == 0 || equity >= int256(mm)) revert AccountHealthy(account, equity, mm);
        int256 half = p.size / 2;
        bool partialClose =
            equity - int256(_reward(half, index)) >= int256(_marginOf(p.size - half, index, mk.mmFraction));
        _liquidateSome(account, market, p, partialClose ? half : p.size, index, partialClose);
        if (!partialClose) _releaseIsolated(account, market, p);
    }

    // ---- views ----

    function indexPrice(uint256 market) external view returns (uint256) {
        _marketView(market);
        return oracle.indexPrice(market);
    }

    /// The impacted price of a public order of `sizeDelta` now.
    function fillPrice(uint256 market, int256 sizeDelta) external view returns (uint256) {
        Market storage mk = _marketView(market);
        return _impact(mk, oracle.indexPrice(market), mk.skew, sizeDelta);
    }

    function fundingRate(uint256 market) external view returns (int256) {
        return _rate(_marketView(market));
    }

    /// The funding index as it would be accrued now.
    function accruedFundingIndex(uint256 market) public view returns (int256) {
        Market storage mk = _marketView(market);
        return _accruedIndex(mk, oracle.indexPrice(market));
    }

    function marketState(uint256 market) external view returns (int256 skew, uint256 openInterestLong,
        uint256 openInterestShort, int256 fundingIndex, uint256 lastFundingTime, int256 rate)
    {
        Market storage mk = _marketView(market);
        return (mk.skew, mk.openInterestLong, mk.openInterestShort, mk.fundingIndex, mk.lastFundingTime, _rate(mk));
    }

    function pendingFunding(address account, uint256 market) external view returns (int256) {
        Position storage p = positions[account][market];
        return _owed(p, accruedFundingIndex(market));
    }

    function unrealizedPnl(address account, uint256 market) external view returns (int256) {
        Position storage p = positions[account][market];
        _marketView(market);
        if (p.size == 0) return 0;
        return _upnl(p, oracle.indexPrice(market));
    }

    /// Cross equity, IM, MM and margin ratio.
    function accountSummary(address account)
        external
        view
        returns (int256 margin, int256 equity, uint256 initialMargin, uint256 maintenanceMargin, int256 marginRatio)
    {
        (equity, initialMargin, maintenanceMargin) = _crossFigures(account);
        return (crossMargin[account], equity, initialMargin, maintenanceMargin, _ratio(equity, maintenanceMargin));
    }

    /// One position: equity, IM, MM and margin ratio are its own when isolated
    /// (else its contribution: equity = upnl - pending funding).
    function positionSummary(address account, uint256 market)
        external
        view
        returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin, int256 marginRatio,
                 uint256 liquidationPrice)
    {
        Market storage mk = _marketView(market);
        Position storage p = positions[account][market];
        if (p.size == 0) return (p.margin, 0, 0, type(int256).max, 0);
        uint256 index = oracle.indexPrice(market);
        int256 contribution = _upnl(p, index) - _owed(p, _accruedIndex(mk, index));
        initialMargin = _marginOf(p.size, index, mk.imFraction);
        maintenanceMargin = _marginOf(p.size, index, mk.mmFraction);
        int256 constant_;
        uint256 otherMm;
        if (p.isolated) {
            equity = p.margin + contribution;
            constant_ = equity - _upnl(p, index);
        } else {
            equity = contribution;
            (int256 crossEq,, uint256 crossMm) = _crossFigures(account);
            constant_ = crossEq - _upnl(p, index);
            otherMm = crossMm - maintenanceMargin;
        }
        marginRatio = _ratio(equity, maintenanceMargin);
        liquidationPrice = _liquidationPrice(p, mk, constant_, otherMm);
    }

    function canLiquidate(address account) external view returns (bool) {
        (int256 equity,, uint256 mm) = _crossFigures(account);
        return mm != 0 && equity < int256(mm);
    }

    function canLiquidatePosition(address account, uint256 market) external view returns (bool) {
        if (!positions[account][market].isolated) return false;
        (int256 equity,, uint256 mm) = _isolatedFigures(account, market);
        return mm != 0 && equity < int256(mm);
    }

    function batchIds(uint256 market) external view returns (uint256[] memory) {
        return batchIds_[market];
    }

    function batchOrders(uint256 market, uint256 batchId) external view returns (BatchOrder[] memory) {
        return batchOrders_[market][batchId];
    }

    function currentBatchId() external view returns (uint256) {
        return block.number / batchWindow;
    }

    // ---- internals ----

    function _market(uint256 market) internal view returns (Market storage) {
        if (market >= marketCount) revert UnknownMarket(market);
        return markets[market];
    }

    function _marketView(uint256 market) internal view returns (Market storage) {
        return _market(market);
    }

    function _index(uint256 market) internal view returns (uint256) {
        return oracle.indexPrice(market);
    }

    function _placeOrder(Order memory o) internal {
        if (o.sizeDelta == 0) revert ZeroSize();
        if (block.timestamp > o.deadline) revert DeadlineExpired(o.deadline, block.timestamp);
        Market storage mk = _market(o.market);
        uint256 index = _index(o.market);
        _touch(o.market, mk, index);
        uint256 fill = _impact(mk, index, mk.skew, o.sizeDelta);
        _checkLimit(o.sizeDelta, fill, o.limitPrice);
        _trade(msg.sender, o.market, o.sizeDelta, fill, index, PATH_PUBLIC);
    }

    function _checkLimit(int256 sizeDelta, uint256 fill, uint256 limitPrice) internal pure {
        if (sizeDelta > 0 ? fill > limitPrice : fill < limitPrice) revert LimitPriceExceeded(fill, limitPrice);
    }

    /// Records the market's index and skew before the first operation of this
    /// block and of this batch window touches it.
    function _touch(uint256 market, Market storage mk, uint256 index) internal {
        Snapshot storage b = blockSnapshots[market][block.number];
        if (!b.set) {
            b.set = true;
            b.index = index;
            b.skew = mk.skew;
        }
        Snapshot storage w = batchSnapshots[market][block.number / batchWindow];
        if (!w.set) {
            w.set = true;
            w.index = index;
            w.skew = mk.skew;
        }
    }

    function _impact(Market storage mk, uint256 index, int256 skew, int256 size) internal view returns (uint256) {
        int256 premium = (2 * skew + size) * W / (2 * int256(mk.skewScale));
        int256 f = int256(index) * (W + premium) / W;
        if (f <= 0) revert NonPositivePrice();
        return uint256(f);
    }

    function _rate(Market storage mk) internal view returns (int256 r) {
        int256 maxRate = int256(mk.maxFundingRate);
        r = mk.skew * maxRate / int256(mk.skewScale);
        if (r > maxRate) r = maxRate;
        if (r < -maxRate) r = -maxRate;
    }

    function _accruedIndex(Market storage mk, uint256 index) internal view returns (int256) {
        uint256 dt = block.timestamp - mk.lastFundingTime;
        return mk.fundingIndex + _rate(mk) * int256(index) / W * int256(dt) / 86400;
    }

    function _accrue(uint256 market, Market storage mk, uint256 index) internal {
        uint256 dt = block.timestamp - mk.lastFundingTime;
        if (dt == 0) return;
        int256 r = _rate(mk);
        mk.fundingIndex += r * int256(index) / W * int256(dt) / 86400;
        mk.lastFundingTime = block.timestamp;
        emit FundingAccrued(market, r, index, dt, mk.fundingIndex);
    }

    function _owed(Position storage p, int256 fundingIndex) internal view returns (int256) {
        return p.size * (fundingIndex - p.lastFundingIndex) / W;
    }

    function _upnl(Position storage p, uint256 index) internal view returns (int256) {
        return p.size * (int256(index) - int256(p.entryPrice)) / W;
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }

    function _marginOf(int256 size, uint256 index, uint256 fraction) internal pure returns (uint256) {
        return _abs(size) * index / UW * fraction / UW;
    }

    function _reward(int256 size, uint256 index) internal view returns (uint256) {
        return _abs(size) * index / UW * liquidationReward / UW;
    }

    function _ratio(int256 equity, uint256 mm) internal pure returns (int256) {
        if (mm == 0) return type(int256).max;
        return equity * W / int256(mm);
    }

    /// The index at which equity = MM for this position, the rest held fixed:
    /// equity(P) = constant_ + size*(P - entry)/W, MM(P) = otherMm + |size|*P/W*mm/W, so
    /// P = (otherMm - constant_ + size*entry/W) * W / (size - |size|*mm/W); 0 if none.
    function _liquidationPrice(Position storage p, Market storage mk, int256 constant_, uint256 otherMm)
        internal
        view
        returns (uint256)
    {
        int256 k = p.size - int256(_abs(p.size) * mk.mmFraction / UW);
        if (k == 0) return 0;
        int256 num = int256(otherMm) - constant_ + p.size * int256(p.entryPrice) / W;
        int256 price = num * W / k;
        return price > 0 ? uint256(price) : 0;
    }

    /// Cross equity, IM and MM of `account` now (every cross position's market read from the oracle).
    function _crossFigures(address account) internal view returns (int256 equity, uint256 im, uint256 mm) {
        equity = crossMargin[account];
        uint256 n = marketCount;
        for (uint256 m = 0; m < n; ++m) {
            Position storage p = positions[account][m];
            if (p.isolated || p.size == 0) continue;
            Market storage mk = markets[m];
            uint256 index = oracle.indexPrice(m);
            equity += _upnl(p, index) - _owed(p, _accruedIndex(mk, index));
            im += _marginOf(p.size, index, mk.imFraction);
            mm += _marginOf(p.size, index, mk.mmFraction);
        }
    }

    function _isolatedFigures(address account, uint256 market)
        internal
        view
        returns (int256 equity, uint256 im, uint256 mm)
    {
        Position storage p = positions[account][market];
        equity = p.margin;
        if (p.size == 0) return (equity, 0, 0);
        Market storage mk = markets[market];
        uint256 index = oracle.indexPrice(market);
        equity += _upnl(p, index) - _owed(p, _accruedIndex(mk, index));
        im = _marginOf(p.size, index, mk.imFraction);
        mm = _marginOf(p.size, index, mk.mmFraction);
    }

    function _bucketAdd(address account, Position storage p, int256 amount) internal {
        if (p.isolated) p.margin += amount;
        else crossMargin[account] += amount;
    }

    function _settleFunding(address account, uint256 market, Position storage p, Market storage mk) internal {
        int256 owed = _owed(p, mk.fundingIndex);
        p.lastFundingIndex = mk.fundingIndex;
        if (owed == 0) return;
        _bucketAdd(account, p, -owed);
        fundingPaid[account] += owed;
        emit FundingSettled(account, market, owed, mk.fundingIndex);
    }

    function _setSize(Market storage mk, Position storage p, int256 newSize) internal {
        int256 old = p.size;
        if (old > 0) mk.openInterestLong -= uint256(old);
        else mk.openInterestShort -= uint256(-old);
        if (newSize > 0) mk.openInterestLong += uint256(newSize);
        else mk.openInterestShort += uint256(-newSize);
        mk.skew += newSize - old;
        p.size = newSize;
    }

    function _trade(address account, uint256 market, int256 delta, uint256 fill, uint256 index, uint8 path) internal {
        Market storage mk = markets[market];
        Position storage p = positions[account][market];
        _accrue(market, mk, index);
        _settleFunding(account, market, p, mk);
        int256 oldSize = p.size;
        (uint256 fee, int256 pnl) = _applyFill(account, mk, p, delta, fill);
        _checkRisk(account, market, p, oldSize);
        _emitFill(account, market, path, delta, fill, fee, pnl);
        if (p.size == 0 && p.isolated) _releaseIsolated(account, market, p);
    }

    function _emitFill(address account, uint256 market, uint8 path, int256 delta, uint256 fill, uint256 fee,
                       int256 pnl) internal {
        Position storage p = positions[account][market];
        int256 margin = p.isolated ? p.margin : crossMargin[account];
        emit OrderFilled(account, market, path, delta, fill, p.size, p.entryPrice, fee, pnl, margin);
    }

    function _applyFill(address account, Market storage mk, Position storage p, int256 delta, uint256 fill)
        internal
        returns (uint256 fee, int256 pnl)
    {
        int256 oldSize = p.size;
        fee = _abs(delta) * fill / UW * mk.takerFee / UW;
        if (oldSize != 0 && (oldSize > 0) != (delta > 0)) {
            int256 closed = _abs(delta) < _abs(oldSize) ? -delta : oldSize;
            pnl = closed * (int256(fill) - int256(p.entryPrice)) / W;
        }
        int256 newSize = oldSize + delta;
        uint256 entry;
        if (newSize == 0) entry = 0;
        else if (oldSize == 0 || (oldSize > 0) != (newSize > 0)) entry = fill;
        else if (_abs(newSize) > _abs(oldSize)) entry = (_abs(oldSize) * p.entryPrice + _abs(delta) * fill) / _abs(newSize);
        else entry = p.entryPrice;
        _setSize(mk, p, newSize);
        p.entryPrice = entry;
        _bucketAdd(account, p, pnl - int256(fee));
        realizedPnl[account] += pnl;
        feesPaid[account] += fee;
        feePool += int256(fee);
    }

    /// A trade that increases |size| or flips must leave equity >= IM.
    function _checkRisk(address account, uint256 market, Position storage p, int256 oldSize) internal view {
        int256 newSize = p.size;
        bool riskUp = _abs(newSize) > _abs(oldSize) || (oldSize != 0 && newSize != 0 && (oldSize > 0) != (newSize > 0));
        if (!riskUp) return;
        (int256 equity, uint256 im,) = p.isolated ? _isolatedFigures(account, market) : _crossFigures(account);
        if (equity < int256(im)) revert InsufficientMargin(equity, im);
    }

    function _liquidateSome(address account, uint256 market, Position storage p, int256 close, uint256 index,
                            bool partialClose) internal {
        Market storage mk = markets[market];
        int256 pnl = close * (int256(index) - int256(p.entryPrice)) / W;
        uint256 reward = _reward(close, index);
        int256 newSize = p.size - close;
        _setSize(mk, p, newSize);
        if (newSize == 0) p.entryPrice = 0;
        _bucketAdd(account, p, pnl - int256(reward));
        realizedPnl[account] += pnl;
        crossMargin[msg.sender] += int256(reward);
        emit Liquidated(account, market, msg.sender, close, index, pnl, reward, partialClose);
    }

    /// A flat isolated position's margin goes back to cross; a negative one is bad debt.
    function _releaseIsolated(address account, uint256 market, Position storage p) internal {
        if (p.margin > 0) {
            crossMargin[account] += p.margin;
            emit MarginTransferred(account, market, -p.margin, crossMargin[account], 0);
        } else if (p.margin < 0) {
            badDebt -= p.margin;
            emit BadDebt(account, market, p.margin);
        }
        p.margin = 0;
    }
}
