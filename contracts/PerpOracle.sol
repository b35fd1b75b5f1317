// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/interfaces/AggregatorV3Interface.sol";
import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";
import {PythStructs} from "@pythnetwork/pyth-sdk-solidity/PythStructs.sol";

/// The reference venue's oracle adapter: one Chainlink aggregator and one Pyth
/// price feed per market, each read with its own checks, combined into one
/// index price (1e18 fixed point, USD per unit).
///
/// A source is usable when its price is positive, its time is not in the
/// future and `block.timestamp - time <= maxAge`. Chainlink answers are
/// scaled by 10^(18 - decimals); Pyth prices by 10^(18 + expo) (expo in
/// [-18, 0], else the source is unusable). Then:
///   both usable: if |cl - py| * 10000 > maxDeviationBps * min(cl, py) the
///                read reverts OracleDeviation; else index = (cl + py) / 2
///                (the median of two, rounded down);
///   one usable:  index = that one;
///   none:        revert OracleStale.
contract PerpOracle {
    struct Feed {
        AggregatorV3Interface chainlink;
        uint8 chainlinkDecimals;
        IPyth pyth;
        bytes32 pythId;
        uint256 maxAge;            // seconds
        uint256 maxDeviationBps;   // between the two sources
        bool configured;
    }

    error OracleNotConfigured(uint256 market);
    error OracleStale(uint256 market);
    error OracleDeviation(uint256 market, uint256 chainlinkPrice, uint256 pythPrice);
    error NotOwner();

    event FeedConfigured(uint256 indexed market, address chainlink, address pyth, bytes32 pythId, uint256 maxAge,
                         uint256 maxDeviationBps);

    address public immutable owner;
    mapping(uint256 => Feed) public feeds;

    constructor() {
        owner = msg.sender;
    }

    function configure(uint256 market, address chainlink, address pyth, bytes32 pythId, uint256 maxAge,
                       uint256 maxDeviationBps) external {
        if (msg.sender != owner) revert NotOwner();
        uint8 d = AggregatorV3Interface(chainlink).decimals();
        require(d <= 18, "decimals");
        feeds[market] = Feed(AggregatorV3Interface(chainlink), d, IPyth(pyth), pythId, maxAge, maxDeviationBps, true);
        emit FeedConfigured(market, chainlink, pyth, pythId, maxAge, maxDeviationBps);
    }

    /// Chainlink's price at 1e18, and whether it is usable now.
    function chainlinkPrice(uint256 market) public view returns (uint256 price, bool usable) {
        Feed storage f = feeds[market];
        if (!f.configured) revert OracleNotConfigured(market);
        try f.chainlink.latestRoundData() returns (uint80, int256 answer, uint256, uint256 updatedAt, uint80) {
            if (answer <= 0 || updatedAt > block.timestamp) return (0, false);
            price = uint256(answer) * 10 ** (18 - f.chainlinkDecimals);
            usable = block.timestamp - updatedAt <= f.maxAge;
        } catch {
            return (0, false);
        }
    }

    /// Pyth's price at 1e18, and whether it is usable now.
    function pythPrice(uint256 market) public view returns (uint256 price, bool usable) {
        Feed storage f = feeds[market];
        if (!f.configured) revert OracleNotConfigured(market);
        try f.pyth.getPriceUnsafe(f.pythId) returns (PythStructs.Price memory p) {
            if (p.price <= 0 || p.expo > 0 || p.expo < -18 || p.publishTime > block.timestamp) return (0, false);
            price = uint256(uint64(p.price)) * 10 ** uint256(int256(18 + p.expo));
            usable = block.timestamp - p.publishTime <= f.maxAge;
        } catch {
            return (0, false);
        }
    }

    /// The index price (see the contract comment); reverts with a named error when unusable.
    function indexPrice(uint256 market) external view returns (uint256) {
        (uint256 cl, bool clOk) = chainlinkPrice(market);
        (uint256 py, bool pyOk) = pythPrice(market);
        if (clOk && pyOk) {
            uint256 lo = cl < py ? cl : py;
            uint256 diff = cl < py ? py - cl : cl - py;
            if (diff * 10000 > feeds[market].maxDeviationBps * lo) revert OracleDeviation(market, cl, py);
            return (cl + py) / 2;
        }
        if (clOk) return cl;
        if (pyOk) return py;
        revert OracleStale(market);
    }
}
