// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3MintCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3MintCallback.sol";
import {IUniswapV3SwapCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3SwapCallback.sol";

/// The caller side of Uniswap v3 pool mint and swap: the pool calls back for
/// the tokens it is owed, and this contract pays them from the original
/// caller (who approved it beforehand). A callback is honoured only from the
/// pool of the call in progress, so no one else can pull approved tokens.
contract UniV3Helper is IUniswapV3MintCallback, IUniswapV3SwapCallback {
    using SafeERC20 for IERC20;

    error UnexpectedCallback();

    address private activePool_;
    address private payer_;

    /// Adds `liquidity` to [tickLower, tickUpper) for `recipient`, paid by msg.sender.
    function mint(address pool, address recipient, int24 tickLower, int24 tickUpper, uint128 liquidity)
        external
        returns (uint256 amount0, uint256 amount1)
    {
        _enter(pool);
        (amount0, amount1) = IUniswapV3Pool(pool).mint(recipient, tickLower, tickUpper, liquidity, "");
        _leave();
    }

    /// Swaps exactly `amountIn` (> 0) of token0 (zeroForOne) or token1 for the
    /// other, paid by msg.sender, output to `recipient`; `sqrtPriceLimitX96`
    /// 0 means no limit.
    function swapExactIn(address pool, address recipient, bool zeroForOne, int256 amountIn, uint160 sqrtPriceLimitX96)
        external
        returns (int256 amount0, int256 amount1)
    {
        if (sqrtPriceLimitX96 == 0) {
            sqrtPriceLimitX96 = zeroForOne ? 4295128740 : 1461446703485210103287273052203988822378723970341;
        }
        _enter(pool);
        (amount0, amount1) = IUniswapV3Pool(pool).swap(recipient, zeroForOne, amountIn, sqrtPriceLimitX96, "");
        _leave();
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external override {
        _pay(amount0Owed, amount1Owed);
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external override {
        _pay(amount0Delta > 0 ? uint256(amount0Delta) : 0, amount1Delta > 0 ? uint256(amount1Delta) : 0);
    }

    function _enter(address pool) private {
        activePool_ = pool;
        payer_ = msg.sender;
    }

    function _leave() private {
        activePool_ = address(0);
        payer_ = address(0);
    }

    function _pay(uint256 amount0, uint256 amount1) private {
        if (msg.sender != activePool_ || activePool_ == address(0)) revert UnexpectedCallback();
        IUniswapV3Pool pool = IUniswapV3Pool(msg.sender);
        if (amount0 > 0) IERC20(pool.token0()).safeTransferFrom(payer_, msg.sender, amount0);
        if (amount1 > 0) IERC20(pool.token1()).safeTransferFrom(payer_, msg.sender, amount1);
    }
}
